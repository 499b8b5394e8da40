//! What the tests with board processes share: building `evm-sim`, and
//! finding and watching the processes a harness spawned.

use evm_conformance::target::board_process::evm_sim_binary;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// `cargo test -p evm-conformance` alone may not have built `evm-sim`: build it.
pub fn ensure_board_binary() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        if evm_sim_binary().is_some() {
            return;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status =
            Command::new(cargo).args(["build", "-p", "evm-sim", "--bin", "evm-sim"]).status().expect("cargo runs");
        assert!(status.success(), "building evm-sim failed");
    });
    assert!(evm_sim_binary().is_some(), "evm-sim binary not found beside the test executable");
}

/// The processes named `name` whose parent is `parent` (from /proc).
pub fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let after_name = stat.rsplit_once(')')?.1;
            let ppid: u32 = after_name.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent && stat.contains(&format!("({name})"))).then_some(pid)
        })
        .collect()
}

/// Whether the process `pid` is gone (or a zombie) within `limit`.
pub fn ends_within(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')));
        if !alive {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The harness binary under test.
pub fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_evm-conformance"))
}

/// An empty scratch folder of this test process, named `name`.
pub fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("evm-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// `evm-sim serve --pty` with `flags` in a separate process, and the
/// pseudo-terminal it serves. The board's warnings (NACKs to corrupt
/// frames) are expected in these tests: its stderr is dropped.
pub fn pty_board(flags: &[&str]) -> (Child, String) {
    ensure_board_binary();
    let mut child = Command::new(evm_sim_binary().unwrap())
        .args(["serve", "--pty", "--exit-with-parent"])
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("evm-sim serve --pty starts");
    let mut device = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut device).unwrap();
    (child, device.trim().to_owned())
}
