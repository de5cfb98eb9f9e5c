//! How a module's rebuild grows with its size, built as a user's module
//! is: each variant a cargo package of its own (written by
//! `growth/module.py`), built once by `Build` through cargo, then rebuilt
//! by `Build::run` after each edit (rustc alone, and for playground
//! modules linked thin against the support library of their
//! dependencies). The bare twins (`bare`: the same bodies without
//! playground; `hand`: those and what keeping state and containing panics
//! takes by hand, see `growth/module.py`) are rebuilt the same way but
//! linked in full, as a plain cdylib is. Every round edits one body in the first
//! block so that the line changes length, the variants alternated; rustc's
//! own linker everywhere. `growth/growth.sh` measures the same modules
//! with a bare rustc command instead (every library linked in full).
//!
//! `cargo bench -p hot_reload --bench growth -- [ROUNDS] [KIND:BLOCKS[:PER]...]`
//! (default: 10 rounds, `playground:1 bare:1 playground:10 bare:10`).

use playground_runtime::{Build, Linker};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One module: its package, its build, its edited file and its times.
struct Variant {
    name: String,
    build: Build,
    edited: PathBuf,
    times: Vec<f64>,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10);
    let specs: Vec<String> = match args.get(1..) {
        Some(specs) if !specs.is_empty() => specs.to_vec(),
        _ => ["playground:1", "bare:1", "playground:10", "bare:10"]
            .map(String::from)
            .to_vec(),
    };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let repo = repo.canonicalize().expect("the repository");
    let root = std::env::temp_dir().join("playground-growth");
    let target = root.join("target");
    let mut variants: Vec<Variant> = specs
        .iter()
        .map(|spec| prepare(spec, &repo, &root, &target))
        .collect();
    for variant in &variants {
        if variant.name.starts_with("playground") {
            variant
                .build
                .support_library()
                .expect("a support library for the thin rebuilds");
        }
    }
    for round in 0..=rounds {
        let factor = if round % 2 == 0 { "1.5" } else { "1.25" };
        for variant in &mut variants {
            edit(&variant.edited, factor);
            let start = Instant::now();
            let built = variant.build.run().expect("the rebuild");
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            assert!(built.direct, "{}: rebuilt by rustc alone", variant.name);
            // Round 0 is the first direct rebuild.
            if round > 0 {
                variant.times.push(ms);
            }
        }
    }
    for variant in &mut variants {
        variant.times.sort_by(f64::total_cmp);
        let times = &variant.times;
        let median = times[times.len() / 2];
        let p90 = times[(times.len() * 9 / 10).saturating_sub(1)];
        println!(
            "{}: median {median:.1} p90 {p90:.1} min {:.1} max {:.1}",
            variant.name,
            times[0],
            times[times.len() - 1]
        );
    }
}

/// Writes the package of `spec` (`KIND:BLOCKS[:PER]`) and builds it once.
fn prepare(spec: &str, repo: &Path, root: &Path, target: &Path) -> Variant {
    let mut parts = spec.split(':');
    let kind = parts.next().expect("a kind");
    let blocks = parts.next().expect("a number of blocks");
    let per = parts.next();
    let name = format!(
        "{kind}_{blocks}{}",
        per.map(|p| format!("_per{p}")).unwrap_or_default()
    );
    let dir = root.join(&name);
    let _ = std::fs::remove_dir_all(dir.join("src"));
    let mut generate = Command::new("python3");
    generate
        .arg(repo.join("examples/hot_reload/host/benches/growth/module.py"))
        .args([blocks, kind])
        .arg(dir.join("src"));
    generate.args(per);
    let status = generate.status().expect("python3 runs module.py");
    assert!(status.success(), "module.py {spec}");
    let dependency = match kind {
        "bare" => String::new(),
        "hand" => "serde = { version = \"1\", features = [\"derive\"] }\n\
                   postcard = { version = \"1\", features = [\"alloc\"] }\n"
            .to_owned(),
        _ => format!(
            "playground-runtime = {{ path = {:?} }}\n",
            repo.join("playground-runtime")
        ),
    };
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"m-{}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\n{dependency}\n[workspace]\n",
            name.replace('_', "-")
        ),
    )
    .expect("write the manifest");
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy the lockfile");
    let build = Build::new(dir.join("Cargo.toml"))
        .target_dir(target)
        .link_with(Linker::Rustc)
        .thin_links(kind == "playground");
    build.run().expect("the first build");
    let edited = if per.is_some() {
        dir.join("src/part0.rs")
    } else {
        dir.join("src/lib.rs")
    };
    Variant {
        name,
        build,
        edited,
        times: Vec::new(),
    }
}

/// Sets the first block's factor (`weight: n as f32 * F`) to `factor`.
fn edit(file: &Path, factor: &str) {
    let text = std::fs::read_to_string(file).expect("read the module");
    let at = text
        .find("weight: n as f32 * ")
        .expect("the first block's body")
        + "weight: n as f32 * ".len();
    let end = at
        + text[at..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .expect("the factor ends");
    let edited = format!("{}{factor}{}", &text[..at], &text[end..]);
    std::fs::write(file, edited).expect("write the module");
}
