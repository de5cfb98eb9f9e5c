//! Prints the phases of 21 reloads, spaced out as a user's are, with 100 k
//! and 1 M records of state: where a reload's time goes.
//! `cargo run --release -p reload-tests --example phases`

use counter_api::Counter;
use playground_runtime::Registry;
use reload_tests::{Fixture, library};

fn main() {
    for records in [100_000, 1_000_000] {
        println!("{records} records:");
        phases(records);
    }
}

fn phases(records: usize) {
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let registry = Registry::linked();
    registry.load(&v1).unwrap();
    registry.get::<dyn Counter>().unwrap().fill(records);
    let mut totals: Vec<Vec<f64>> = Vec::new();
    for round in 0..21 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let report = registry
            .load(if round % 2 == 0 { &v2 } else { &v1 })
            .unwrap();
        let mut row: Vec<f64> = report
            .phases
            .iter()
            .map(|(_, d)| d.as_secs_f64() * 1e6)
            .collect();
        row.push(report.elapsed.as_secs_f64() * 1e6);
        totals.push(row);
        if round == 0 {
            let names: Vec<&str> = report.phases.iter().map(|(n, _)| *n).collect();
            println!("phases: {names:?} + total (µs, median of 21)");
        }
    }
    let columns = totals[0].len();
    let medians: Vec<String> = (0..columns)
        .map(|c| {
            let mut column: Vec<f64> = totals.iter().map(|r| r[c]).collect();
            column.sort_by(f64::total_cmp);
            format!("{:.0}", column[column.len() / 2])
        })
        .collect();
    println!("{}", medians.join(" "));
    assert_eq!(registry.get::<dyn Counter>().unwrap().records(), records);
}
