//! `gen --from-results`: traces from real published polling-station results
//! whose counting reproduces every published station's figures, columns
//! found by their headers in either layout; every malformed variant of a
//! file gets a correct trace set, a skipped row with its line and reason, or
//! an error at its line (docs/RESULTS_FORMAT.md).

use evm_conformance::generate::from_results::{
    traces_from_results, ColumnMapping, FromResults, Layout, ResultsError, ResultsOptions, Role,
};
use evm_conformance::runner::run_trace_in_memory;
use evm_conformance::target::SimTarget;
use std::path::PathBuf;
use std::process::Command;

fn published(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/booth-results-2014-up").join(name)
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/results").join(name)
}

fn read(name: &str) -> Result<FromResults, ResultsError> {
    traces_from_results(&data(name), &ResultsOptions::new(7))
}

/// Replays every station on the simulated unit: each must pass with its
/// Part II equal to the published figures. Returns the stations' Form 16C
/// texts.
fn reproduce(results: &FromResults) -> Vec<String> {
    let mut target = SimTarget::new();
    let mut forms = Vec::new();
    for station in &results.stations {
        let report = run_trace_in_memory(&station.trace, &station.expected, &mut target);
        assert!(
            report.matches_expected && report.findings.is_empty(),
            "station {}: {:?}",
            station.part_number,
            report.findings.first()
        );
        let published_total: u32 = station.counts.iter().sum();
        let account = report.form_16c.expect("Form 16C");
        assert_eq!(
            (account.item_2, account.item_5, account.item_6_discrepancy),
            (published_total, u64::from(published_total), 0)
        );
        forms.push(report.forms.join("\n"));
    }
    forms
}

#[test]
fn every_published_station_is_reproduced_exactly_and_its_forms_name_its_election() {
    let mut stations = 0;
    for file in ["1.csv", "2.csv", "3.csv"] {
        let results = traces_from_results(&published(file), &ResultsOptions::new(2014)).unwrap();
        assert_eq!(results.layout, Layout::Wide);
        let forms = reproduce(&results);
        for (station, form) in results.stations.iter().zip(&forms) {
            let published_total: u32 = station.counts.iter().sum();
            assert!(form.contains("PART II") && form.contains(&published_total.to_string()));
            // A Lok Sabha segment: its own heading, never a ward, never the municipal officer.
            assert!(form.contains("Election to the House of the People"), "{form}");
            assert!(!form.contains("Ward No.") && !form.contains("Municipal Returning Officer"), "{form}");
        }
        stations += results.stations.len();
        match file {
            "1.csv" => {
                assert_eq!(results.skipped.len(), 1);
                assert!(results.skipped[0].contains("1.csv:125: station 123: no voters"), "{}", results.skipped[0]);
            }
            // Station 357 of 3.csv publishes 192 "tendered voters" beside its 790 voters: a column that
            // does not fit its name is named, with the line.
            "3.csv" => {
                assert_eq!(results.warnings.len(), 1, "{:?}", results.warnings);
                assert!(results.warnings[0].contains("3.csv:2:12:") && results.warnings[0].contains("up to 192"));
            }
            _ => assert!(results.warnings.is_empty(), "{:?}", results.warnings),
        }
    }
    assert_eq!(stations, 317 + 324 + 375);
}

#[test]
fn one_row_per_candidate_gives_the_same_stations_as_one_row_per_station() {
    let long = read("long.csv").unwrap();
    let wide = read("wide-same.csv").unwrap();
    assert_eq!((long.layout, wide.layout), (Layout::Long, Layout::Wide));
    assert_eq!(long.stations.len(), 3, "{:?}", long.skipped);
    assert_eq!(wide.stations.len(), 3, "{:?}", wide.skipped);
    reproduce(&long);
    for (long, wide) in long.stations.iter().zip(&wide.stations) {
        assert_eq!((&long.part_number, &long.counts), (&wide.part_number, &wide.counts));
        assert_eq!(long.trace.header.candidates, wide.trace.header.candidates);
    }
    assert_eq!(long.stations[2].part_number, "2A", "an auxiliary station is a station");
    assert_eq!(long.stations[2].trace.header.polling_station.part_number, "2A");
    assert_eq!(long.stations[1].counts, vec![200, 333, 7], "NOTA last");
    // --layout wide on a long file: refused with the reason.
    let mut options = ResultsOptions::new(7);
    options.layout = Some(Layout::Wide);
    let error = traces_from_results(&data("long.csv"), &options).err().expect("not wide");
    assert!(error.to_string().contains("long.csv:1: one row per station"), "{error}");
}

#[test]
fn columns_are_found_by_name_nota_anywhere_and_the_other_columns_optional() {
    let results = read("nota-first-no-other.csv").unwrap();
    assert!(results.skipped.is_empty() && results.warnings.is_empty(), "{:?} {:?}", results.skipped, results.warnings);
    assert_eq!(results.stations[0].trace.header.candidates, vec!["ASHA DEVI", "BIMAL ROY"]);
    // NOTA was the first candidate column; on the machine it is the last button.
    assert_eq!(results.stations[0].counts, vec![301, 290, 21]);
    assert_eq!(results.stations[1].part_number, "12-B");
    let forms = reproduce(&results);
    assert!(forms[1].contains("No. and name of polling station: 12-B - Annexe, Room B"), "{}", forms[1]);
}

#[test]
fn a_column_nobody_can_place_is_an_error_unless_mapped_or_ignored() {
    let error = read("extra-column.csv").err().expect("an unknown column");
    let text = error.to_string();
    assert!(text.contains("extra-column.csv:1:6:") && text.contains("\"Polling Officer\""), "{text}");
    assert!(text.contains("--ignore-column"), "{text}");
    let mut options = ResultsOptions::new(7);
    options.columns.push(ColumnMapping { role: Role::Ignored, header: "Polling Officer".into() });
    let results = traces_from_results(&data("extra-column.csv"), &options).unwrap();
    assert_eq!(results.stations[0].counts, vec![301, 290, 21]);
    // A bare "Total" may be the electors', the voters' or the votes': say which.
    let error = read("garbled-header.csv").err().expect("an ambiguous header");
    assert!(error.to_string().contains("garbled-header.csv:1:9:"), "{error}");
    let mut options = ResultsOptions::new(7);
    options.columns.push("total=Total".parse().unwrap());
    assert_eq!(traces_from_results(&data("garbled-header.csv"), &options).unwrap().stations.len(), 1);
    // A mapping must name a column.
    let mut options = ResultsOptions::new(7);
    options.columns.push("tendered=Tendered Votes Cast".parse().unwrap());
    let error = traces_from_results(&data("extra-column.csv"), &options).err().expect("no such column");
    assert!(error.to_string().contains("no column is headed \"Tendered Votes Cast\""), "{error}");
    assert!("colour=Red".parse::<ColumnMapping>().is_err());
}

#[test]
fn a_station_published_twice_or_a_quote_never_closed_is_an_error_at_its_line() {
    let error = read("duplicate.csv").err().expect("a duplicate");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}:4: station 1 again: its first row is line 2", data("duplicate.csv").display())),
        "{error}"
    );
    // One station written two ways would be one trace file written twice.
    for (file, first, second) in
        [("same-station-two-ways.csv", "12", "0012"), ("same-auxiliary-two-ways.csv", "12-B", "12/B")]
    {
        let error = read(file).err().unwrap_or_else(|| panic!("{first} and {second} are one station"));
        assert!(
            error.to_string().contains(&format!("{file}:3: station {second} again: its first row is line 2")),
            "{error}"
        );
    }
    let error = read("unterminated-quote.csv").err().expect("a quote not closed");
    assert!(
        error.to_string().contains("unterminated-quote.csv:2:2: a quoted field runs over several lines"),
        "{error}"
    );
}

#[test]
fn rows_that_cannot_be_a_poll_day_are_skipped_with_their_line_and_reason() {
    let results = read("sanity.csv").unwrap();
    let reasons = results.skipped.join("\n");
    for expected in [
        "sanity.csv:3: station 2: 12 tendered votes for 10 electors",
        "sanity.csv:4: station 3: 120 voters for 100 electors",
        "sanity.csv:5: column 7 (\"2 - BIMAL ROY\") of station 4: \"-290\" is negative",
        "sanity.csv:6: station 5: the candidates' votes add up to 612, the row's total says 610",
    ] {
        assert!(reasons.contains(expected), "{expected:?} not in:\n{reasons}");
    }
    assert_eq!((results.stations.len(), results.skipped.len()), (1, 4), "{reasons}");
    let results = read("electors-beyond-a-roll.csv").unwrap();
    assert_eq!(results.stations.len(), 1);
    assert!(results.skipped[0].contains("electors-beyond-a-roll.csv:2: station 1: 4000000000 electors: more than a polling station's roll part holds (10000)"), "{:?}", results.skipped);
    let results = read("tendered-counts-something-else.csv").unwrap();
    assert_eq!(results.stations.len(), 3);
    assert_eq!(results.warnings.len(), 1);
    assert!(
        results.warnings[0]
            .contains("tendered-counts-something-else.csv:1:5: column \"Tendered\" gives 2 of 3 stations"),
        "{}",
        results.warnings[0]
    );
}

#[test]
fn messy_rows_are_skipped_with_their_line_and_reason() {
    let folder = std::env::temp_dir().join(format!("evm-results-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("messy.csv");
    std::fs::write(
        &file,
        "\"Polling Station\",,\"Electors\",,,,\"Voters\",,,,,,\"Candidates\",,,\n\
         \"Part No\",\"Part Name\",M,F,O,T,M,F,O,T,EPIC,Tendered,\"1 - A\",\"2 - B\",\"3 - None of the Above\",\"Total\"\n\
         1,\"ROOM 1, SCHOOL\",10,10,0,20,5,5,0,10,10,0,6,3,1,10\n\
         2,\"ROOM 2\",10,10,0,20,0,0,0,0,0,0,0,0,0,0\n\
         3,\"ROOM 3\",10,10,0,20,5,5,0,10,10,0,6,3,2,10\n\
         4,\"ROOM 4\",10,10,0,20,5,5,0,10,10,0,6,three,1,10\n\
         5,\"ROOM 5\",10\n\
         6,\"ROOM 6\",5,5,0,10,5,5,0,10,10,0,6,3,1,10\n\
         \"Total\",,,,,,,,,,,,,,,\n",
    )
    .unwrap();
    let results = traces_from_results(&file, &ResultsOptions::new(1)).unwrap();
    assert_eq!(results.stations.len(), 2, "{:?}", results.skipped);
    assert_eq!(results.stations[0].trace.header.polling_station.name, "ROOM 1, SCHOOL");
    let reasons = results.skipped.join("\n");
    for expected in [
        "messy.csv:4: station 2: no voters",
        "messy.csv:5: station 3: the candidates' votes add up to 11",
        "messy.csv:6: column 14",
        "messy.csv:7: station 5: 3 columns",
        "messy.csv:9: \"Total\" is not a polling station's part number",
    ] {
        assert!(reasons.contains(expected), "{expected:?} not in:\n{reasons}");
    }
    assert_eq!(results.skipped.len(), 5, "{reasons}");
}

fn gen(arguments: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_evm-conformance")).arg("gen").args(arguments).output().unwrap()
}

#[test]
fn the_command_reports_what_it_reproduced_and_exits_two_when_no_station_is_read() {
    let folder = std::env::temp_dir().join(format!("evm-gen-results-{}", std::process::id()));
    let out = folder.to_str().unwrap();
    let output =
        gen(&["--from-results", data("long.csv").to_str().unwrap(), "--out", out, "--constituency", "Saharanpur"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("3 of 3 stations reproduced"), "{stderr}");
    assert!(output.stdout.is_empty(), "the summary goes to stderr");
    let trace = std::fs::read_to_string(folder.join("long-part-002A.jsonl")).unwrap();
    assert!(trace.contains("\"constituency\":\"Saharanpur\"") && trace.contains("\"part_number\":\"2A\""));
    let output = gen(&["--from-results", data("all-skipped.csv").to_str().unwrap(), "--out", out]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("all-skipped.csv:2: station 1: no voters") && stderr.contains("no station could be read"),
        "{stderr}"
    );
    // A municipal ward's results need the ward's number: never "Ward No. 0".
    let output =
        gen(&["--from-results", data("long.csv").to_str().unwrap(), "--out", out, "--election", "municipal-ward"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--ward N"));
    let output = gen(&[
        "--from-results",
        data("wide-same.csv").to_str().unwrap(),
        "--out",
        out,
        "--election",
        "municipal-ward",
        "--ward",
        "8",
        "--municipality",
        "Bansberia Municipality",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let trace = std::fs::read_to_string(folder.join("wide-same-part-0001.jsonl")).unwrap();
    assert!(trace.contains("\"ward\":8") && !trace.contains("\"election\""), "{}", &trace[..400]);
    let _ = std::fs::remove_dir_all(&folder);
}
