//! The HTML report opens in a real browser: headless Chromium loads the page
//! `certify` wrote and renders its DOM with no console error. Skips, saying
//! so, only where no Chromium is installed (.ci/run installs it).

use std::path::PathBuf;
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let output = Command::new("sh").args(["-c", &format!("command -v {name}")]).output().ok()?;
        let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (!path.is_empty()).then(|| PathBuf::from(path))
    })
}

#[test]
fn the_html_report_opens_in_headless_chromium_without_errors() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium on this machine (.ci/run installs the Debian package chromium)");
        return;
    };
    let out = std::env::temp_dir().join(format!("evm-html-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_evm-conformance"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .args(["certify", "--quiet", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let page = out.join("report.html");
    let profile = out.join("chromium-profile");
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {log}");
    assert!(dom.contains("EVM conformance report") && dom.contains("CONFORMS"), "the page rendered: {dom:.400}");
    assert!(dom.contains("<table"), "tables rendered");
    let console_errors: Vec<&str> =
        log.lines().filter(|line| line.contains("CONSOLE") || line.contains("Uncaught")).collect();
    assert!(console_errors.is_empty(), "console errors: {console_errors:?}");
}
