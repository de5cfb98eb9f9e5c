# Writes the source of a module of N blocks into DIR (DIR/lib.rs); each block
# is a view (four methods), two models and a viewmodel holding one of them as
# state, about 33 lines. With `bare`, the same bodies without playground:
# plain traits and structs, `RwLock` for `Shared`, and an exported function
# returning the implementation boxed (so that, as the registration does for
# a viewmodel, it keeps the methods in the library). With `hand`, the bare
# block and what a module that keeps its state across reloads and contains
# its panics writes by hand without playground: serde's derives on the
# models, exported functions that save and restore the state with postcard,
# and every method called under `catch_unwind` (no fingerprints, manifest
# or checks). With a number PER, the
# blocks go into files of PER blocks each (DIR/part0.rs, ...), lib.rs
# declaring them; without, all in lib.rs. With GROWTH_BODY_LINES=L in the
# environment, each block's `add` has L more lines of arithmetic (a
# method body the size of real ones; the first block's is the one edited).
# Used by growth.sh.
#
# usage: module.py N playground|bare|hand DIR [PER]
import os, sys
n = int(sys.argv[1]); kind = sys.argv[2]; out_dir = sys.argv[3]
hand = kind == 'hand'; bare = kind == 'bare' or hand
per = int(sys.argv[4]) if len(sys.argv) > 4 else None
body_lines = int(os.environ.get("GROWTH_BODY_LINES", "0"))
body = "".join(f"        s.total = s.total.wrapping_mul({3 + i}).wrapping_add(n ^ {i});\n" for i in range(body_lines))
header = "use std::sync::RwLock;\n" if bare else "use playground_runtime::{Shared, model, view, viewmodel};\n"
serde = "serde::Serialize, serde::Deserialize, " if hand else ""
blocks = []
for k in range(n):
    out = blocks
    if bare:
        out.append(f"""
pub trait Counter{k}: Send + Sync {{
    fn add(&self, n: u64) -> u64;
    fn name(&self) -> String;
    fn items(&self) -> Vec<Item{k}>;
    fn clear(&self);
}}

#[derive({serde}Default, Clone, Debug)]
pub struct Item{k} {{ pub id: u32, pub tag: String, pub weight: f32 }}

#[derive({serde}Default)]
pub struct State{k} {{ pub total: u64, pub label: String, pub items: Vec<Item{k}> }}

#[derive(Default)]
pub struct Impl{k} {{ state: RwLock<State{k}> }}

impl Counter{k} for Impl{k} {{
    fn add(&self, n: u64) -> u64 {{
        let mut s = self.state.write().unwrap();
        s.total += n;
{body}        let id = s.items.len() as u32;
        s.items.push(Item{k} {{ id, tag: format!("item {{id}}"), weight: n as f32 * 0.5 }});
        s.total
    }}
    fn name(&self) -> String {{ format!("counter {k}: {{}}", self.state.read().unwrap().label) }}
    fn items(&self) -> Vec<Item{k}> {{ self.state.read().unwrap().items.clone() }}
    fn clear(&self) {{ let mut s = self.state.write().unwrap(); s.items.clear(); s.total = 0; }}
}}

""" + (f"""#[unsafe(no_mangle)]
pub fn make_counter{k}() -> Box<dyn Counter{k}> {{ Box::new(Impl{k}::default()) }}
""" if not hand else f"""pub struct Guarded{k}(Impl{k});

impl Counter{k} for Guarded{k} {{
    fn add(&self, n: u64) -> u64 {{ crate::guard(|| self.0.add(n)) }}
    fn name(&self) -> String {{ crate::guard(|| self.0.name()) }}
    fn items(&self) -> Vec<Item{k}> {{ crate::guard(|| self.0.items()) }}
    fn clear(&self) {{ crate::guard(|| self.0.clear()) }}
}}

#[unsafe(no_mangle)]
pub fn make_counter{k}() -> Box<dyn Counter{k}> {{ Box::new(Guarded{k}(Impl{k}::default())) }}

#[unsafe(no_mangle)]
pub fn save_counter{k}(c: &Guarded{k}) -> Result<Vec<u8>, postcard::Error> {{
    postcard::to_allocvec(&*c.0.state.read().unwrap())
}}

#[unsafe(no_mangle)]
pub fn restore_counter{k}(bytes: &[u8]) -> Result<Guarded{k}, postcard::Error> {{
    Ok(Guarded{k}(Impl{k} {{ state: RwLock::new(postcard::from_bytes(bytes)?) }}))
}}
"""))
    else:
        out.append(f"""
#[view(models(Item{k}))]
pub trait Counter{k}: Send + Sync {{
    fn add(&self, n: u64) -> u64;
    fn name(&self) -> String;
    fn items(&self) -> Vec<Item{k}>;
    fn clear(&self);
}}

#[model]
#[derive(Default, Clone, Debug)]
pub struct Item{k} {{ pub id: u32, pub tag: String, pub weight: f32 }}

#[model]
#[derive(Default)]
pub struct State{k} {{ pub total: u64, pub label: String, pub items: Vec<Item{k}> }}

#[derive(Default)]
pub struct Impl{k} {{ state: Shared<State{k}> }}

#[viewmodel(state(state))]
impl Counter{k} for Impl{k} {{
    fn add(&self, n: u64) -> u64 {{
        let mut s = self.state.write();
        s.total += n;
{body}        let id = s.items.len() as u32;
        s.items.push(Item{k} {{ id, tag: format!("item {{id}}"), weight: n as f32 * 0.5 }});
        s.total
    }}
    fn name(&self) -> String {{ format!("counter {k}: {{}}", self.state.read().label) }}
    fn items(&self) -> Vec<Item{k}> {{ self.state.read().items.clone() }}
    fn clear(&self) {{ let mut s = self.state.write(); s.items.clear(); s.total = 0; }}
}}
""")

os.makedirs(out_dir, exist_ok=True)
export = "" if bare else "playground_runtime::export_module!();\n"
if hand:
    export = """pub fn guard<R>(body: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}
"""
if per is None:
    lib = header + export + "".join(blocks)
else:
    parts = [blocks[i:i + per] for i in range(0, n, per)]
    for j, part in enumerate(parts):
        with open(os.path.join(out_dir, f"part{j}.rs"), "w") as f:
            f.write(header + "".join(part))
    lib = export + "".join(f"pub mod part{j};\n" for j in range(len(parts)))
with open(os.path.join(out_dir, "lib.rs"), "w") as f:
    f.write(lib)
