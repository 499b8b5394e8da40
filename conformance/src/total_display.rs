//! TOTAL-ONLY judged on what the display shows, whatever the profile's
//! wording: after `Total` the display must show the total and no other
//! number (a candidate's count beside it is a breakdown).
//!
//! A *number* on the display is a maximal run of decimal digits; a comma
//! between two digits joins them (`3,840` is one number). Leading zeros do
//! not matter (`TOTAL 0012` shows 12). Words, colons and spaces are free:
//! `TOTAL 0012`, `Total votes: 12` and `TOT=12` all show the total only.

/// The numbers `text` shows, in order (saturating at `u64::MAX`).
pub fn numbers_shown(text: &str) -> Vec<u64> {
    let bytes = text.as_bytes();
    let mut numbers = Vec::new();
    let mut current: Option<u64> = None;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte.is_ascii_digit() {
            let digit = u64::from(byte - b'0');
            current = Some(current.unwrap_or(0).saturating_mul(10).saturating_add(digit));
        } else if byte == b',' && current.is_some() && bytes.get(index + 1).is_some_and(|next| next.is_ascii_digit()) {
            // A thousands separator: the number goes on.
        } else if let Some(number) = current.take() {
            numbers.push(number);
        }
    }
    numbers.extend(current);
    numbers
}

/// Whether the display after `Total` shows `total` and nothing else that
/// counts votes; the reason in words when it does not.
pub fn shows_total_only(text: &str, total: u32) -> Result<(), String> {
    match numbers_shown(text).as_slice() {
        [shown] if *shown == u64::from(total) => Ok(()),
        [] => Err(format!("the display shows no number, not the total {total}")),
        [shown] => Err(format!("the display shows {shown}, not the total {total}")),
        several => {
            let listed: Vec<String> = several.iter().map(u64::to_string).collect();
            Err(format!(
                "the display shows {} numbers ({}): the total and more (a breakdown)",
                several.len(),
                listed.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_wording_that_shows_the_total_alone_holds() {
        for text in ["TOTAL 0012", "Total votes: 12", "TOT=12", "12", "TOTAL\t0,012"] {
            assert_eq!(shows_total_only(text, 12), Ok(()), "{text:?}");
        }
        assert_eq!(shows_total_only("TOTAL 3,840", 3_840), Ok(()));
        assert_eq!(shows_total_only("TOTAL 0000", 0), Ok(()));
    }

    #[test]
    fn a_breakdown_a_wrong_figure_or_no_figure_breaks_it() {
        assert!(shows_total_only("TOTAL 0012 C1 0005", 12).unwrap_err().contains("breakdown"));
        assert!(shows_total_only("TOTAL 0012 (5)", 12).is_err());
        assert!(shows_total_only("TOTAL 0011", 12).unwrap_err().contains("not the total 12"));
        assert!(shows_total_only("TOTAL", 12).unwrap_err().contains("no number"));
        assert!(shows_total_only("TOTAL 12, 5", 12).is_err(), "a comma and a space separate two numbers");
    }
}
