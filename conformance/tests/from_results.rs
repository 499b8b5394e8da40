//! `gen --from-results`: traces from real published polling-station results
//! whose counting reproduces every published station's figures; messy rows
//! are skipped, each with its line and why.

use evm_conformance::from_results::traces_from_results;
use evm_conformance::runner::run_trace_in_memory;
use evm_conformance::target::SimTarget;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/booth-results-2014-up").join(name)
}

#[test]
fn every_published_station_is_reproduced_exactly() {
    let mut target = SimTarget::new();
    let mut stations = 0;
    for file in ["1.csv", "2.csv", "3.csv"] {
        let results = traces_from_results(&data(file), 2014).unwrap();
        for station in &results.stations {
            let report = run_trace_in_memory(&station.trace, &station.expected, &mut target);
            assert!(
                report.matches_expected && report.findings.is_empty(),
                "{file} station {}: {:?}",
                station.part_number,
                report.findings.first()
            );
            let published_total: u32 = station.counts.iter().sum();
            let account = report.form_16c.expect("Form 16C");
            assert_eq!(
                (account.item_2, account.item_5, account.item_6_discrepancy),
                (published_total, published_total, 0)
            );
            // The counting table's Part II carries the published figures.
            let part_two = report
                .forms
                .iter()
                .find(|form| form.contains("Part-II") || form.contains("PART II") || form.contains("Part II"))
                .expect("Part II");
            assert!(part_two.contains(&published_total.to_string()));
            stations += 1;
        }
        if file == "1.csv" {
            assert_eq!(results.skipped.len(), 1);
            assert!(results.skipped[0].contains("1.csv:125: station 123: no voters"), "{}", results.skipped[0]);
        }
    }
    assert_eq!(stations, 317 + 324 + 375);
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
    let results = traces_from_results(&file, 1).unwrap();
    assert_eq!(results.stations.len(), 2, "{:?}", results.skipped);
    assert_eq!(results.stations[0].trace.header.polling_station.name, "ROOM 1, SCHOOL");
    let reasons = results.skipped.join("\n");
    for expected in [
        "messy.csv:4: station 2: no voters",
        "messy.csv:5: station 3: the candidates' votes add up to 11",
        "messy.csv:6: column 14",
        "messy.csv:7: 3 columns",
        "messy.csv:9: \"Total\" is not a polling station's part number",
    ] {
        assert!(reasons.contains(expected), "{expected:?} not in:\n{reasons}");
    }
    assert_eq!(results.skipped.len(), 5, "{reasons}");
}
