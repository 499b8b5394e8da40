//! The `bench` subcommands: national-scale replay on every core
//! ([`replay`]) and result-readout latency beside the wire floor
//! ([`readout`], with its SVG histogram [`readout_svg`]). Each prints its
//! figures as ratios against a floor measured in the same run.

pub mod lab;
pub mod readout;
pub mod readout_report;
pub mod readout_svg;
pub mod replay;
