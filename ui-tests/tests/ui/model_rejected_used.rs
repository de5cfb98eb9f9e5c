use playground_runtime::{Shared, model, view, viewmodel};

// A refused model reports its own errors, and code using it nothing more:
// no "not a playground model", no "has no structural fingerprint".
#[model]
#[derive(Clone, Default)]
pub struct Player {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
}

#[view(models(Player))]
pub trait Game: Send + Sync {
    fn join(&self, player: Player) -> usize;
}

#[derive(Default)]
pub struct Lobby {
    players: Shared<Vec<Player>>,
    host: Shared<Player>,
}

#[viewmodel(state(host))]
impl Game for Lobby {
    fn join(&self, player: Player) -> usize {
        let mut players = self.players.write();
        players.push(player);
        players.len()
    }
}

fn main() {}
