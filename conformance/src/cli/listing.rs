//! The harness's vocabulary for people and shells: `evm-conformance list
//! properties | defects | rules | targets`, one per line, id first, fields
//! separated by tabs; and the `--only` selection of traces by property or
//! rule.

use crate::cli::UsageError;
use evm_sim::{Defect, Property};
use std::fmt::Write;

/// What `list` can list.
pub const LISTS: [&str; 4] = ["properties", "defects", "rules", "targets"];

/// The targets a run can name.
pub const TARGETS: [(&str, &str); 4] = [
    ("sim", "the simulated unit, in process (the default)"),
    ("sim-pty", "evm-sim serve --pty --test-mode as a separate process, through a kernel pseudo-terminal"),
    (
        "serial:PATH@BAUD",
        "a board on a serial line (a vendor's board, or an evm-sim serve), e.g. serial:/dev/ttyUSB0@115200",
    ),
    ("tcp:ADDR", "a board on TCP (evm-sim serve --tcp, ser2net), e.g. tcp:127.0.0.1:7878"),
];

/// The rules a property comes from, one by one ("39E(5), 61H" → "39E(5)", "61H").
fn rules_of(property: Property) -> impl Iterator<Item = &'static str> {
    property.rule().split(", ")
}

/// `list WHAT`.
pub fn list(what: &str) -> Result<String, UsageError> {
    let mut out = String::new();
    match what {
        "properties" => {
            for property in Property::ALL {
                let _ = writeln!(out, "{}\t{}\t{}", property.id(), property.rule(), property.statement());
            }
        }
        "defects" => {
            for defect in Defect::ALL {
                let _ = writeln!(
                    out,
                    "{}\tbit {}\tbreaks {}\t{}",
                    defect.name(),
                    defect.bit_index(),
                    defect.breaks().id(),
                    defect.description()
                );
            }
        }
        "rules" => {
            let mut rules: Vec<(&str, Vec<&str>)> = Vec::new();
            for property in Property::ALL {
                for rule in rules_of(property) {
                    match rules.iter_mut().find(|(known, _)| *known == rule) {
                        Some((_, properties)) => properties.push(property.id()),
                        None => rules.push((rule, vec![property.id()])),
                    }
                }
            }
            for (rule, properties) in rules {
                let _ = writeln!(out, "{rule}\t{}", properties.join(", "));
            }
        }
        "targets" => {
            for (name, what) in TARGETS {
                let _ = writeln!(out, "{name}\t{what}");
            }
        }
        other => return Err(UsageError(format!("cannot list {other:?}: expected one of {}", LISTS.join(", ")))),
    }
    Ok(out)
}

/// The properties `--only` names: a property's id (`ONE-VOTE`, any case) or
/// a rule (`39W`, `39E(5)`; `39E` takes every 39E sub-rule). Empty: all.
pub fn select(only: &[String]) -> Result<Vec<Property>, UsageError> {
    let mut selected = Vec::new();
    for item in only {
        let wanted = item.trim();
        let by_id: Vec<Property> =
            Property::ALL.into_iter().filter(|property| property.id().eq_ignore_ascii_case(wanted)).collect();
        let by_rule: Vec<Property> = Property::ALL
            .into_iter()
            .filter(|property| {
                rules_of(*property)
                    .any(|rule| rule == wanted || (rule.starts_with(wanted) && rule[wanted.len()..].starts_with('(')))
            })
            .collect();
        let found = if by_id.is_empty() { by_rule } else { by_id };
        if found.is_empty() {
            return Err(UsageError(format!(
                "--only {wanted:?}: no property or rule of that name (`evm-conformance list properties` and `list rules` name them)"
            )));
        }
        for property in found {
            if !selected.contains(&property) {
                selected.push(property);
            }
        }
    }
    Ok(selected)
}

/// Whether a trace whose expected verdict names `property` is in `selection`
/// (every trace when the selection is empty; with a selection, only the
/// traces that break a selected property on purpose).
pub fn selected(property: Option<Property>, selection: &[Property]) -> bool {
    selection.is_empty() || property.is_some_and(|property| selection.contains(&property))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_takes_ids_and_rules() {
        assert_eq!(select(&["one-vote".into()]).unwrap(), vec![Property::OneVote]);
        assert_eq!(select(&["39W".into()]).unwrap(), vec![Property::BoothCapture]);
        assert_eq!(select(&["61H".into()]).unwrap(), vec![Property::SealedResult, Property::PartII]);
        assert_eq!(select(&["39E".into()]).unwrap(), vec![Property::Zero, Property::SealedResult]);
        assert!(select(&["39Z".into()]).is_err());
    }
}
