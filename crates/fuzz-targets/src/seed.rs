//! Seed inputs made from the repository's `fixtures/`: what a target's corpus starts from.
//!
//! The seeds are the fixtures' values in each target's input format ([`crate::input`]), plus
//! a few spellings of the same values that users type (spaces, a country code, full-width
//! digits, look-alike dots), so that the fuzzer starts from every normalization path.

use std::io;
use std::path::{Path, PathBuf};

use shiming_core::Date;

use crate::input::{with_today, VendorCall};

/// The "today" the fixtures were validated against (`fixtures/README.md`).
///
/// ```
/// assert_eq!(shiming_fuzz_targets::seed::fixtures_today().to_string(), "2026-11-23");
/// ```
#[must_use]
pub fn fixtures_today() -> Date {
    Date::new(2026, 11, 23).unwrap_or_else(|_| unreachable!("2026-11-23 is a date"))
}

/// The repository's `fixtures/` directory, read for seeds.
///
/// ```
/// let fixtures = shiming_fuzz_targets::seed::Fixtures::in_repository();
/// assert!(fixtures.dir().ends_with("fixtures"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixtures {
    dir: PathBuf,
}

/// One row of `fixtures/people.tsv`.
///
/// ```
/// let people = shiming_fuzz_targets::seed::Fixtures::in_repository().people().unwrap();
/// assert_eq!(people[0].name, "陈思远");
/// assert_eq!(people[0].mobile.as_deref(), Some("13957120001"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedPerson {
    /// The name.
    pub name: String,
    /// The 18-character ID number.
    pub id_card: String,
    /// The mobile, if the person has one.
    pub mobile: Option<String>,
}

/// One documented vendor answer: a row of `fixtures/vendors/manifest.tsv` and its body.
///
/// ```
/// let bodies = shiming_fuzz_targets::seed::Fixtures::in_repository().vendor_answers("tel3").unwrap();
/// assert!(bodies.iter().any(|a| a.status == 666 && !a.billed));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedAnswer {
    /// The HTTP status the vendor answers with.
    pub status: u16,
    /// Whether the marketplace bills it.
    pub billed: bool,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

impl Fixtures {
    /// The fixtures in `dir`.
    ///
    /// ```
    /// let f = shiming_fuzz_targets::seed::Fixtures::new("fixtures");
    /// assert_eq!(f.dir(), std::path::Path::new("fixtures"));
    /// ```
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Fixtures {
        Fixtures { dir: dir.into() }
    }

    /// The fixtures of the repository this crate was built from.
    ///
    /// ```
    /// assert!(shiming_fuzz_targets::seed::Fixtures::in_repository().dir().is_dir());
    /// ```
    #[must_use]
    pub fn in_repository() -> Fixtures {
        Fixtures::new(crate::repository_root().join("fixtures"))
    }

    /// The directory read.
    ///
    /// ```
    /// # let f = shiming_fuzz_targets::seed::Fixtures::new("fixtures");
    /// assert_eq!(f.dir().file_name().unwrap(), "fixtures");
    /// ```
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The rows of `people.tsv`.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or a row has fewer than three columns.
    ///
    /// ```
    /// let people = shiming_fuzz_targets::seed::Fixtures::in_repository().people().unwrap();
    /// assert!(people.len() > 200);
    /// ```
    pub fn people(&self) -> io::Result<Vec<SeedPerson>> {
        self.rows("people.tsv", "name")?
            .into_iter()
            .map(|row| match row.as_slice() {
                [name, id_card, mobile, ..] => Ok(SeedPerson {
                    name: name.clone(),
                    id_card: id_card.clone(),
                    mobile: Some(mobile.clone()).filter(|m| !m.is_empty()),
                }),
                _ => Err(invalid("people.tsv: a row has fewer than three columns")),
            })
            .collect()
    }

    /// The numbers of `id-crosscheck.tsv` (its first column).
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    ///
    /// ```
    /// let numbers = shiming_fuzz_targets::seed::Fixtures::in_repository().crosscheck_numbers().unwrap();
    /// assert!(numbers.len() >= 10_000);
    /// ```
    pub fn crosscheck_numbers(&self) -> io::Result<Vec<String>> {
        Ok(self
            .rows("id-crosscheck.tsv", "number")?
            .into_iter()
            .filter_map(|row| row.into_iter().next())
            .collect())
    }

    /// The documented answers of `api` (`tel3`, `sxm3v2`, `sjsys`, `sfz2`, `phonethird`), in
    /// manifest order.
    ///
    /// # Errors
    ///
    /// When the manifest or a body cannot be read, or a row is malformed.
    ///
    /// ```
    /// let answers = shiming_fuzz_targets::seed::Fixtures::in_repository().vendor_answers("sjsys").unwrap();
    /// assert_eq!(answers.len(), 24);
    /// ```
    pub fn vendor_answers(&self, api: &str) -> io::Result<Vec<SeedAnswer>> {
        let mut answers = Vec::new();
        for row in self.rows("vendors/manifest.tsv", "api")? {
            let [row_api, scenario, status, billed, ..] = row.as_slice() else {
                return Err(invalid("vendors/manifest.tsv: a row has too few columns"));
            };
            if row_api != api {
                continue;
            }
            let status = status
                .parse()
                .map_err(|_| invalid("vendors/manifest.tsv: a status is not a number"))?;
            let path = self
                .dir
                .join("vendors")
                .join(api)
                .join(format!("{scenario}.json"));
            answers.push(SeedAnswer {
                status,
                billed: billed == "yes",
                body: std::fs::read(path)?,
            });
        }
        Ok(answers)
    }

    /// The data rows of a tab-separated fixture: `#` comments and the column-name line
    /// (starting with `first_column`) skipped.
    fn rows(&self, file: &str, first_column: &str) -> io::Result<Vec<Vec<String>>> {
        let text = std::fs::read_to_string(self.dir.join(file))?;
        Ok(text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter(|line| line.split('\t').next() != Some(first_column))
            .map(|line| line.split('\t').map(str::to_owned).collect())
            .collect())
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

/// Seeds of `id_card`: every number of the cross-check corpus and of the people registry
/// with the fixtures' "today", and the registry's numbers spaced and with a lower-case `x`.
///
/// # Errors
///
/// When a fixture cannot be read.
///
/// ```
/// let seeds = shiming_fuzz_targets::seed::id_card(&shiming_fuzz_targets::seed::Fixtures::in_repository()).unwrap();
/// assert!(seeds.len() > 10_000);
/// ```
pub fn id_card(fixtures: &Fixtures) -> io::Result<Vec<Vec<u8>>> {
    let today = fixtures_today();
    let mut texts = fixtures.crosscheck_numbers()?;
    for person in fixtures.people()? {
        let id = person.id_card;
        if let (Some(region), Some(birth), Some(tail)) = (id.get(..6), id.get(6..14), id.get(14..))
        {
            texts.push(format!("{region} {birth} {tail}"));
        }
        texts.push(id.to_lowercase());
        texts.push(id);
    }
    Ok(texts
        .iter()
        .filter_map(|text| with_today(today, text))
        .collect())
}

/// Seeds of `mobile`: the registry's mobiles as stored, with `+86` and spaces, with `0086-`,
/// and in full-width digits.
///
/// # Errors
///
/// When the registry cannot be read.
///
/// ```
/// let seeds = shiming_fuzz_targets::seed::mobile(&shiming_fuzz_targets::seed::Fixtures::in_repository()).unwrap();
/// assert!(seeds.contains(&b"13957120001".to_vec()));
/// ```
pub fn mobile(fixtures: &Fixtures) -> io::Result<Vec<Vec<u8>>> {
    let mut seeds = Vec::new();
    for mobile in fixtures.people()?.into_iter().filter_map(|p| p.mobile) {
        if let (Some(head), Some(middle), Some(tail)) =
            (mobile.get(..3), mobile.get(3..7), mobile.get(7..))
        {
            seeds.push(format!("+86 {head} {middle} {tail}"));
        }
        seeds.push(format!("0086-{mobile}"));
        seeds.push(mobile.chars().map(full_width).collect());
        seeds.push(mobile);
    }
    Ok(seeds.into_iter().map(String::into_bytes).collect())
}

/// Full-width form of an ASCII digit; other characters unchanged.
fn full_width(c: char) -> char {
    match c {
        '0'..='9' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Seeds of `name`: the registry's names as stored, with a space after the first character,
/// and with `•` for `·`.
///
/// # Errors
///
/// When the registry cannot be read.
///
/// ```
/// let seeds = shiming_fuzz_targets::seed::name(&shiming_fuzz_targets::seed::Fixtures::in_repository()).unwrap();
/// assert!(seeds.contains(&"买买提•艾力".as_bytes().to_vec()));
/// ```
pub fn name(fixtures: &Fixtures) -> io::Result<Vec<Vec<u8>>> {
    let mut seeds = Vec::new();
    for name in fixtures.people()?.into_iter().map(|p| p.name) {
        let mut chars = name.chars();
        if let Some(first) = chars.next() {
            seeds.push(format!("{first} {}", chars.as_str()));
        }
        if name.contains('·') {
            seeds.push(name.replace('·', "•"));
        }
        seeds.push(name);
    }
    Ok(seeds.into_iter().map(String::into_bytes).collect())
}

/// Seeds of a vendor decoder: every documented answer of `api` with its status and billing
/// and a request id.
///
/// # Errors
///
/// When the manifest or a body cannot be read.
///
/// ```
/// let f = shiming_fuzz_targets::seed::Fixtures::in_repository();
/// assert_eq!(shiming_fuzz_targets::seed::vendor(&f, "tel3").unwrap().len(), 17);
/// ```
pub fn vendor(fixtures: &Fixtures, api: &str) -> io::Result<Vec<Vec<u8>>> {
    Ok(fixtures
        .vendor_answers(api)?
        .iter()
        .filter_map(|a| VendorCall::encode(a.status, a.billed, true, &a.body))
        .collect())
}

/// The file name a seed is stored under in a corpus: `seed-` and a 64-bit FNV-1a hash of its
/// bytes in hex, so that writing the seeds again adds no duplicates.
///
/// ```
/// assert_eq!(shiming_fuzz_targets::seed::file_name(b""), "seed-cbf29ce484222325");
/// ```
#[must_use]
pub fn file_name(seed: &[u8]) -> String {
    let hash = seed.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("seed-{hash:016x}")
}

/// Seeds of `mock_pipeline`: each API's documented request for the first registry people —
/// with the demo AppCode, as a query (GET APIs) or as a form and a JSON body (POST APIs) — plus
/// a request carrying signature headers, one for a documented body (`x-mock-scenario`), one for
/// a fault, and one to the admin API.
///
/// # Errors
///
/// When `fixtures/people.tsv` cannot be read.
///
/// ```
/// let f = shiming_fuzz_targets::seed::Fixtures::in_repository();
/// assert!(shiming_fuzz_targets::seed::mock_pipeline(&f).unwrap().len() > 20);
/// ```
pub fn mock_pipeline(fixtures: &Fixtures) -> io::Result<Vec<Vec<u8>>> {
    use crate::input::MockRequest;
    /// (host, method, path, name, id_card, mobile) of an API, from the vendors' documents.
    type Api = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    );
    const APIS: [Api; 5] = [
        (
            "tel3.market.alicloudapi.com",
            "GET",
            "/mobile",
            "xm",
            "sfz",
            Some("mob"),
        ),
        (
            "sxm3v2.market.alicloudapi.com",
            "POST",
            "/mobile3/check",
            "name",
            "idCard",
            Some("mobile"),
        ),
        (
            "sjsys.market.alicloudapi.com",
            "POST",
            "/communication/personal/1979",
            "name",
            "idcard",
            Some("mobile"),
        ),
        (
            "sfz2.market.alicloudapi.com",
            "GET",
            "/idcard",
            "xm",
            "sfz",
            None,
        ),
        (
            "phonethird.market.alicloudapi.com",
            "GET",
            "/mobileCheck",
            "name",
            "idCard",
            Some("mobile"),
        ),
    ];
    let appcode = format!("APPCODE {}", shiming_mock_market::config::DEMO_APPCODE);
    let people = fixtures.people()?;
    let mut seeds = Vec::new();
    for person in people.iter().filter(|p| p.mobile.is_some()).take(3) {
        let mobile = person.mobile.as_deref().unwrap_or_default();
        for (host, method, path, name, id_card, mobile_key) in APIS {
            let mut pairs = vec![
                (name, person.name.as_str()),
                (id_card, person.id_card.as_str()),
            ];
            if let Some(key) = mobile_key {
                pairs.push((key, mobile));
            }
            let form: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            let headers = [("host", host), ("authorization", appcode.as_str())];
            if method == "GET" {
                seeds.push(MockRequest::encode(
                    method,
                    &format!("{path}?{form}"),
                    &headers,
                    b"",
                ));
            } else {
                let form_headers = [
                    headers[0],
                    headers[1],
                    (
                        "content-type",
                        "application/x-www-form-urlencoded; charset=UTF-8",
                    ),
                ];
                seeds.push(MockRequest::encode(
                    method,
                    path,
                    &form_headers,
                    form.as_bytes(),
                ));
                let json: serde_json::Map<String, serde_json::Value> = pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), serde_json::Value::from(*v)))
                    .collect();
                let json_headers = [headers[0], headers[1], ("content-type", "application/json")];
                seeds.push(MockRequest::encode(
                    method,
                    path,
                    &json_headers,
                    serde_json::Value::Object(json).to_string().as_bytes(),
                ));
            }
        }
    }
    let signed = [
        ("host", "tel3.market.alicloudapi.com"),
        ("accept", "application/json"),
        ("x-ca-key", shiming_mock_market::config::DEMO_APP_KEY),
        ("x-ca-signature-method", "HmacSHA256"),
        (
            "x-ca-signature-headers",
            "x-ca-key,x-ca-nonce,x-ca-timestamp",
        ),
        ("x-ca-nonce", "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44"),
        ("x-ca-timestamp", "1700000000000"),
        (
            "x-ca-signature",
            "oDF6oGgd+CjRbXk8tC+qbizwDFBKjBsI/jSxtLcGeKg=",
        ),
    ];
    seeds.push(MockRequest::encode(
        "GET",
        "/mobile?xm=a&sfz=b&mob=c&memo=%20",
        &signed,
        b"",
    ));
    let tel3 = [
        ("host", "tel3.market.alicloudapi.com"),
        ("authorization", appcode.as_str()),
    ];
    for (name, value) in [("x-mock-scenario", "match"), ("x-mock-fault", "late")] {
        let headers = [tel3[0], tel3[1], (name, value)];
        seeds.push(MockRequest::encode(
            "GET",
            "/mobile?xm=a&sfz=b&mob=c",
            &headers,
            b"",
        ));
    }
    seeds.push(MockRequest::encode("GET", "/__admin/usage", &[], b""));
    Ok(seeds)
}

/// Seeds of `batch_csv`: the registry's people as CSV with LF and CRLF endings, a byte-order
/// mark, a quoted note over two lines and a last line without a break, in UTF-8 and GB18030,
/// and `fixtures/batch/people-gb18030.csv`.
///
/// # Errors
///
/// When a fixture cannot be read.
///
/// ```
/// let f = shiming_fuzz_targets::seed::Fixtures::in_repository();
/// assert!(shiming_fuzz_targets::seed::batch_csv(&f).unwrap().len() >= 5);
/// ```
pub fn batch_csv(fixtures: &Fixtures) -> io::Result<Vec<Vec<u8>>> {
    let people = fixtures.people()?;
    let mut seeds = Vec::new();
    for (ending, bom) in [("\n", false), ("\r\n", false), ("\r\n", true)] {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        text += &format!("name,id_card,mobile,note{ending}");
        for (i, p) in people.iter().take(6).enumerate() {
            let note = if i == 2 {
                format!("\"a{ending}b\"")
            } else {
                String::new()
            };
            let mobile = p.mobile.as_deref().unwrap_or_default();
            text += &format!("{},{},{mobile},{note}{ending}", p.name, p.id_card);
        }
        let text = text.trim_end().to_string();
        let mut utf8 = vec![0u8];
        utf8.extend_from_slice(text.as_bytes());
        seeds.push(utf8);
        let mut gb = vec![1u8];
        gb.extend_from_slice(
            &encoding_rs::GB18030
                .encode(text.trim_start_matches('\u{feff}'))
                .0,
        );
        seeds.push(gb);
    }
    let mut excel = vec![1u8];
    excel.extend(std::fs::read(
        fixtures.dir().join("batch/people-gb18030.csv"),
    )?);
    seeds.push(excel);
    Ok(seeds)
}
