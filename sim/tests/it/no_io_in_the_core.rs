//! ARCHITECTURE.md's first invariant, checked on the source: the core (the
//! unit, the protocol codec and the memory image in `evm-core`; the station
//! and the forms in `evm-sim`) never reads a clock, never opens a file,
//! never touches a descriptor. Only the server (`sim/src/serve/`, with the
//! memory file's store) and the binary (`sim/src/bin/`) may. `evm-core` is
//! also `#![no_std]`, which the compiler holds it to (the firmware's build).

use std::path::{Path, PathBuf};

/// What only an edge module may name.
const EDGE_ONLY: &[&str] = &[
    "std::fs",
    "std::net",
    "std::os::",
    "std::process",
    "std::thread",
    "std::io::stdin",
    "std::io::stdout",
    "File::open",
    "File::create",
    "OpenOptions",
    "Instant::now",
    "SystemTime",
    "UNIX_EPOCH",
    "serialport",
    "libc::",
    "nix::",
];

/// The folders (under `sim/src/`) where the edge lives; `core/src/` has none.
const EDGE: &[&str] = &["serve", "bin"];

fn sources(folder: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("readable source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            sources(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The lines of `text` that are code (doc comments and comments aside,
/// where the words may be named), with their numbers.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
}

fn violations(source_root: &Path, edge: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    sources(source_root, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(source_root).expect("under src");
        let top = relative.components().next().and_then(|part| part.as_os_str().to_str()).unwrap_or("");
        if edge.contains(&top.trim_end_matches(".rs")) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        // Unit tests at the end of a core file may use the host.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (number, line) in code_lines(text) {
            for word in EDGE_ONLY {
                if line.contains(word) {
                    found.push(format!("{}:{number}: {word}", relative.display()));
                }
            }
        }
    }
    found
}

#[test]
fn only_the_server_and_its_file_store_touch_clocks_files_and_descriptors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&root, EDGE);
    assert!(found.is_empty(), "I/O outside src/serve/ and src/bin/:\n{}", found.join("\n"));
    let shared_core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src");
    assert!(shared_core.join("unit").is_dir(), "evm-core's sources beside evm-sim");
    let found = violations(&shared_core, &[]);
    assert!(found.is_empty(), "I/O in evm-core:\n{}", found.join("\n"));
}

#[test]
fn the_check_catches_a_core_module_that_opens_a_file() {
    let folder = std::env::temp_dir().join(format!("evm-no-io-{}", std::process::id()));
    std::fs::create_dir_all(folder.join("unit")).unwrap();
    std::fs::create_dir_all(folder.join("serve")).unwrap();
    std::fs::write(folder.join("unit/mod.rs"), "fn f() { let _ = std::fs::read(\"votes\"); }\n").unwrap();
    std::fs::write(folder.join("serve/mod.rs"), "fn g() { let _ = std::fs::read(\"votes\"); }\n").unwrap();
    let found = violations(&folder, EDGE);
    let _ = std::fs::remove_dir_all(&folder);
    assert_eq!(found, vec![format!("{}:1: std::fs", Path::new("unit/mod.rs").display())]);
}
