//! The SVG histogram of a result-readout latency run (`bench readout
//! --svg`): a picture people open, with the wire floor marked and slow
//! outliers kept from flattening it.

use super::readout_report::{HistogramBin, ReadoutReport};
use std::fmt::Write;

/// A self-contained SVG histogram of the latencies with the wire floor
/// marked (a red line, `id="wire-floor"`) when there is one.
// Longer than 70 lines on purpose: a template: the SVG's elements in drawing order.
pub fn histogram_svg(report: &ReadoutReport) -> String {
    const WIDTH: f64 = 760.0;
    const HEIGHT: f64 = 420.0;
    const LEFT: f64 = 60.0;
    const RIGHT: f64 = 70.0;
    const TOP: f64 = 84.0;
    const BOTTOM: f64 = 56.0;
    /// Ticks on the latency axis.
    const TICKS: usize = 5;
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let low = report.histogram.first().map_or(0.0, |first| first.from_us);
    let last = report.histogram.last().map_or(1.0, |last| last.to_us);
    // A few slow samples must not flatten the picture: the axis ends a
    // little past p99 (and past the wire floor), and what lies beyond is one
    // bar at the right edge, said in words.
    let clip = (report.latency_us.p99 * 1.25).max(report.wire_floor_us * 1.1).max(low + 1e-3);
    let high = if last > clip { clip } else { last.max(low + 1e-3) };
    let (shown, beyond): (Vec<&HistogramBin>, Vec<&HistogramBin>) =
        report.histogram.iter().partition(|bin| bin.from_us < high);
    let overflow: u32 = beyond.iter().map(|bin| bin.count).sum();
    let tallest = shown.iter().map(|bin| bin.count).chain([overflow]).max().unwrap_or(0).max(1);
    let x = |microseconds: f64| LEFT + (microseconds.min(high) - low) / (high - low) * plot_width;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="20" y="22" font-size="15">Result readout latency: {} candidates, {}</text>"#,
        report.candidates,
        escape(&report.target)
    );
    // The subtitle on two lines, so that no figure is cut at the edge.
    let floor_text = match report.ratio_p50 {
        Some(ratio) => format!(
            "wire floor {:.1} µs at {} baud; p50 {:.1} µs = {:.3} × floor",
            report.wire_floor_us, report.baud, report.latency_us.p50, ratio
        ),
        None => format!("no wire floor; p50 {:.3} µs", report.latency_us.p50),
    };
    let _ = writeln!(svg, r#"<text x="20" y="42">{} samples; {}</text>"#, report.samples, escape(&floor_text));
    let _ = writeln!(
        svg,
        r#"<text x="20" y="60">p95 {:.1} µs, p99 {:.1} µs, max {:.1} µs{}</text>"#,
        report.latency_us.p95,
        report.latency_us.p99,
        report.latency_us.max,
        if overflow > 0 {
            format!("; the axis ends at {high:.1} µs: {overflow} slower sample(s) in the last bar")
        } else {
            String::new()
        }
    );
    for bin in shown {
        let bar_height = f64::from(bin.count) / f64::from(tallest) * plot_height;
        let left = x(bin.from_us);
        let _ = writeln!(
            svg,
            r##"<rect x="{left:.2}" y="{:.2}" width="{:.2}" height="{bar_height:.2}" fill="#4878a8"><title>{:.1}–{:.1} µs: {}</title></rect>"##,
            TOP + plot_height - bar_height,
            (x(bin.to_us) - left - 1.0).max(0.5),
            bin.from_us,
            bin.to_us,
            bin.count
        );
    }
    let axis_y = TOP + plot_height;
    if overflow > 0 {
        let bar_height = f64::from(overflow) / f64::from(tallest) * plot_height;
        let _ = writeln!(
            svg,
            r##"<rect id="overflow" x="{:.2}" y="{:.2}" width="14" height="{bar_height:.2}" fill="#a84848"><title>≥ {high:.1} µs: {overflow} (max {:.1} µs)</title></rect>"##,
            LEFT + plot_width + 6.0,
            axis_y - bar_height,
            report.latency_us.max
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.2}" y="{:.0}" text-anchor="middle">≥ {high:.0}</text>"#,
            LEFT + plot_width + 13.0,
            axis_y + 16.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<line x1="{LEFT}" y1="{axis_y}" x2="{:.2}" y2="{axis_y}" stroke="black"/>"#,
        LEFT + plot_width
    );
    let _ = writeln!(svg, r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{axis_y}" stroke="black"/>"#);
    for tick in 0..=TICKS {
        let value = low + (high - low) * tick as f64 / TICKS as f64;
        let tick_x = x(value);
        let anchor = match tick {
            0 => "start",
            TICKS => "end",
            _ => "middle",
        };
        let _ = writeln!(
            svg,
            r#"<line x1="{tick_x:.2}" y1="{axis_y}" x2="{tick_x:.2}" y2="{:.0}" stroke="black"/><text x="{tick_x:.2}" y="{:.0}" text-anchor="{anchor}">{value:.1}</text>"#,
            axis_y + 5.0,
            axis_y + 18.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{:.2}" y="{:.0}" text-anchor="middle">latency (µs), READ_RESULT sent → RESULT_REPLY decoded</text>"#,
        LEFT + plot_width / 2.0,
        axis_y + 40.0
    );
    let _ = writeln!(svg, r#"<text x="{:.0}" y="{TOP}" text-anchor="end">{tallest}</text>"#, LEFT - 6.0);
    let _ = writeln!(svg, r#"<text x="{:.0}" y="{axis_y}" text-anchor="end">0</text>"#, LEFT - 6.0);
    if report.wire_floor_us > 0.0 && report.wire_floor_us <= high {
        let floor_x = x(report.wire_floor_us);
        let _ = writeln!(
            svg,
            r##"<line id="wire-floor" x1="{floor_x:.2}" y1="{:.0}" x2="{floor_x:.2}" y2="{axis_y}" stroke="#c03030" stroke-width="2" stroke-dasharray="6 3"/>"##,
            TOP - 6.0
        );
        let _ = writeln!(
            svg,
            r##"<text x="{:.2}" y="{:.0}" fill="#c03030">wire floor {:.1} µs</text>"##,
            floor_x + 4.0,
            TOP + 6.0,
            report.wire_floor_us
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Text for an SVG element: `&`, `<`, `>` and quotes escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
