use playground_runtime::model;

#[model]
pub struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

fn main() {}
