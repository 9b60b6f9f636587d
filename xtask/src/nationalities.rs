//! `cargo xtask nationalities`: regenerates `crates/core/data/iso3166-1.tsv` from Debian's
//! `iso-codes` package (`/usr/share/iso-codes/json/iso_3166-1.json`; `apt-get install
//! iso-codes` on a fresh machine).

use std::fmt::Write as _;

use crate::util::{self, Result};

const SOURCE: &str = "/usr/share/iso-codes/json/iso_3166-1.json";

pub fn run() -> Result<()> {
    // python3 reads the JSON so that xtask needs no JSON dependency.
    let script = format!(
        "import json\n\
         for c in json.load(open('{SOURCE}'))['3166-1']:\n\
         \x20   print(c['numeric'], c['alpha_3'], c['alpha_2'], c['name'], sep='\\t')\n"
    );
    let rows = util::output("python3", &["-c", &script])?;
    let version = util::output("dpkg-query", &["-W", "-f=${Version}", "iso-codes"])
        .unwrap_or_else(|_| "unknown".into());
    let mut out = String::new();
    let _ = write!(
        out,
        "# ISO 3166-1 countries: numeric code, alpha-3, alpha-2, English short name.\n\
         # Source: Debian package iso-codes {version} (data/iso_3166-1.json; LGPL-2.1+ as a\n\
         # compilation; the codes themselves are ISO 3166 facts).\n\
         # Regenerate with: cargo xtask nationalities\n\
         numeric\talpha3\talpha2\tname\n"
    );
    let mut lines: Vec<&str> = rows.lines().collect();
    lines.sort_unstable();
    for line in &lines {
        out.push_str(line);
        out.push('\n');
    }
    let path = util::root().join("crates/core/data/iso3166-1.tsv");
    std::fs::write(&path, out)?;
    eprintln!("wrote {} countries to {}", lines.len(), path.display());
    Ok(())
}
