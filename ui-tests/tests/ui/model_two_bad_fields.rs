use playground_runtime::model;

// Two fields the save format cannot hold: two errors, nothing else.
#[model]
pub struct Player {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    pub score: u32,
}

fn main() {
    let player = Player { name: "ann", nick: None, score: 1 };
    let _ = (player.name, player.nick, player.score);
}
