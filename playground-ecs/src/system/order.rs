//! The order systems run in: explicit `before`/`after` constraints, and
//! registration order between systems that touch the same component,
//! sorted topologically into stages of systems that may run together.

use crate::system::System;
use crate::system::access::Access;
use crate::system::error::ScheduleError;
use std::collections::HashMap;

/// Topological order, then stages: each system goes into the first stage
/// after all its predecessors' whose systems it does not conflict with.
pub(crate) fn order(
    systems: &[System],
    accesses: &[Access],
    constraints: &[(String, String)],
) -> Result<Vec<Vec<usize>>, ScheduleError> {
    let mut index = HashMap::new();
    for (i, system) in systems.iter().enumerate() {
        if index.insert(system.name.as_str(), i).is_some() {
            return Err(ScheduleError::DuplicateName(system.name.clone()));
        }
    }
    let n = systems.len();
    let mut successors = vec![Vec::new(); n];
    let lookup = |system: &System, other: &str| {
        index
            .get(other)
            .copied()
            .ok_or_else(|| ScheduleError::UnknownSystem {
                system: system.name.clone(),
                missing: other.to_owned(),
            })
    };
    for (i, system) in systems.iter().enumerate() {
        for other in &system.before {
            successors[i].push(lookup(system, other)?);
        }
        for other in &system.after {
            successors[lookup(system, other)?].push(i);
        }
    }
    for (first, then) in constraints {
        let find = |name: &String| {
            index
                .get(name.as_str())
                .copied()
                .ok_or_else(|| ScheduleError::UnknownSystem {
                    system: format!("(order {first} -> {then})"),
                    missing: name.clone(),
                })
        };
        successors[find(first)?].push(find(then)?);
    }
    // Conflicting systems with no explicit order run in registration order,
    // unless an explicit path already orders them the other way round.
    for i in 0..n {
        for j in i + 1..n {
            if accesses[i].conflicts(&accesses[j]) && !reaches(&successors, j, i) {
                successors[i].push(j);
            }
        }
    }
    // Kahn's algorithm, taking the lowest index first: deterministic.
    let mut incoming = vec![0usize; n];
    for next in successors.iter().flatten() {
        incoming[*next] += 1;
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&i| incoming[i] == 0).collect();
    let mut sorted = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        sorted.push(i);
        for &next in &successors[i] {
            incoming[next] -= 1;
            if incoming[next] == 0 {
                ready.insert(next);
            }
        }
    }
    if sorted.len() < n {
        return Err(ScheduleError::Cycle(find_cycle(
            &successors,
            &incoming,
            systems,
        )));
    }
    let mut stage_of = vec![0usize; n];
    let mut stages: Vec<Vec<usize>> = Vec::new();
    for &i in &sorted {
        let earliest = (0..n)
            .filter(|&p| successors[p].contains(&i))
            .map(|p| stage_of[p] + 1)
            .max()
            .unwrap_or(0);
        let stage = (earliest..)
            .find(|&s| {
                stages.get(s).is_none_or(|members| {
                    members
                        .iter()
                        .all(|&m| !accesses[m].conflicts(&accesses[i]))
                })
            })
            .expect("an empty stage always fits");
        if stage == stages.len() {
            stages.push(Vec::new());
        }
        stages[stage].push(i);
        stage_of[i] = stage;
    }
    Ok(stages)
}

fn reaches(successors: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut stack = vec![from];
    let mut seen = vec![false; successors.len()];
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if !std::mem::replace(&mut seen[node], true) {
            stack.extend(&successors[node]);
        }
    }
    false
}

/// A cycle among the systems Kahn's algorithm could not place, as names
/// from one system on it, along the edges, back to it.
///
/// Every unplaced system has an unplaced predecessor (that is why it was
/// not placed), so walking backwards among them must repeat a system.
fn find_cycle(successors: &[Vec<usize>], incoming: &[usize], systems: &[System]) -> Vec<String> {
    let unplaced = |i: usize| incoming[i] > 0;
    let start = (0..systems.len())
        .find(|&i| unplaced(i))
        .expect("a cycle leaves a system unplaced");
    let mut path = vec![start];
    loop {
        let last = *path.last().expect("non-empty");
        let previous = (0..systems.len())
            .find(|&p| unplaced(p) && successors[p].contains(&last))
            .expect("an unplaced system has an unplaced predecessor");
        if let Some(position) = path.iter().position(|&p| p == previous) {
            // `path[position..]` runs backwards along the edges.
            let mut cycle: Vec<String> = path[position..]
                .iter()
                .rev()
                .map(|&i| systems[i].name.clone())
                .collect();
            cycle.push(cycle[0].clone());
            return cycle;
        }
        path.push(previous);
    }
}
