// A library that means to bind every viewmodel it links says `all`.
playground_runtime::export_module!(everything);

fn main() {}
