//! Which election a polling station serves: the forms' headings and who
//! signs them follow it.

use serde::{Deserialize, Serialize};

/// The election a polling station serves. The West Bengal municipal rules
/// this model follows are written for a ward of a municipality; the same
/// machine, papers and account of votes serve the elections to a State's
/// Legislative Assembly and to the House of the People (results published
/// by assembly segment, Form 20), whose forms carry their own heading and
/// name the Returning Officer, not a ward.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Election {
    /// A ward of a municipality: the identity's `municipality` and `ward`.
    #[default]
    MunicipalWard,
    /// An assembly constituency of a State's Legislative Assembly.
    AssemblyConstituency {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        constituency: String,
    },
    /// An assembly segment of a parliamentary constituency (House of the People).
    ParliamentarySegment {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        constituency: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        assembly_segment: String,
    },
}

impl Election {
    pub fn is_municipal_ward(&self) -> bool {
        matches!(self, Election::MunicipalWard)
    }

    /// Who receives the polling party's papers and signs Part II.
    pub fn returning_officer(&self) -> &'static str {
        match self {
            Election::MunicipalWard => "Municipal Returning Officer",
            Election::AssemblyConstituency { .. } | Election::ParliamentarySegment { .. } => "Returning Officer",
        }
    }

    /// The names it carries, for the length check.
    pub(crate) fn names(&self) -> [&str; 2] {
        match self {
            Election::MunicipalWard => ["", ""],
            Election::AssemblyConstituency { constituency } => [constituency, ""],
            Election::ParliamentarySegment { constituency, assembly_segment } => [constituency, assembly_segment],
        }
    }
}
