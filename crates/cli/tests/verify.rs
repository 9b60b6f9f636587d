//! `shiming verify` through the real binary against a mock market started in this process:
//! verdicts, every error kind and its exit code, failover, usage errors, `--mock`, credentials
//! from the environment and the configuration file — each time with the mock's own counters
//! (received / charged), and never a full name, ID number, mobile or AppCode in the output.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{Fault, MockHandle, MockMarket, Throttle, Vendor};

// The registry's synthetic people (crates/mock-market, fixtures/people.tsv).
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";
/// Same ID number and mobile, another name: a mismatch.
const OTHER_NAME: &str = "王五";
/// An ID number no registry holds: no record.
const UNKNOWN_ID: &str = "110108198510100190";
/// A person without a mobile, for two-element checks.
const TWO_NAME: &str = "吴秀英";
const TWO_ID: &str = "11010219560409026X";
/// A person whose mobile is an MVNO (virtual operator) number.
const MVNO: (&str, &str, &str) = ("周子轩", "420106199906122155", "17092710005");
/// [`ID`] with a wrong check digit: refused locally.
const BAD_ID: &str = "330106198805160712";
/// A valid ID number of 崇文区 (abolished 2010) for a 2015 birth: refused only with `--strict`.
const ABOLISHED_ID: &str = "110103201503071232";
/// An AppCode the mock does not know.
const WRONG_APPCODE: &str = "wrongwrongwrongwrongwrongwrong00";

/// Everything that must never appear in full on stdout or stderr.
const SECRETS: &[&str] = &[
    NAME,
    ID,
    MOBILE,
    OTHER_NAME,
    UNKNOWN_ID,
    TWO_NAME,
    TWO_ID,
    MVNO.0,
    MVNO.1,
    MVNO.2,
    BAD_ID,
    ABOLISHED_ID,
    DEMO_APPCODE,
    WRONG_APPCODE,
];

/// One run of the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The one JSON object on stdout, its keys checked in the order printed against the
    /// documented order ([`assert_documented_order`]).
    fn json(&self) -> Value {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "one JSON line expected: {self:?}");
        assert_documented_order(lines[0]);
        serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// The `error` object of a failure printed with `--json`.
    fn error(&self) -> Value {
        let v = self.json();
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["error"], "{self:?}");
        v["error"].clone()
    }
}

/// A JSON value with the keys of its objects in the order they were printed (a
/// `serde_json::Value` keeps them sorted).
#[derive(Debug)]
enum Printed {
    Object(Vec<(String, Printed)>),
    Array(Vec<Printed>),
    Scalar,
}

impl Printed {
    fn parse(text: &str) -> Printed {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// The keys of this object, in printed order.
    fn keys(&self) -> Vec<&str> {
        match self {
            Printed::Object(fields) => fields.iter().map(|(k, _)| k.as_str()).collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    /// The value of `key` in this object.
    fn get(&self, key: &str) -> &Printed {
        match self {
            Printed::Object(fields) => fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("no {key:?} in {self:?}")),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn items(&self) -> &[Printed] {
        match self {
            Printed::Array(items) => items,
            other => panic!("not an array: {other:?}"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Printed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Printed, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Printed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Printed, A::Error> {
                let mut fields = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    fields.push((key, map.next_value::<Printed>()?));
                }
                Ok(Printed::Object(fields))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Printed, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Printed>()? {
                    items.push(item);
                }
                Ok(Printed::Array(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Printed, E> {
                Ok(Printed::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Printed, E> {
                Ok(Printed::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Printed, E> {
                Ok(Printed::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Printed, E> {
                Ok(Printed::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Printed, E> {
                Ok(Printed::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Printed, E> {
                Ok(Printed::Scalar)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The keys of the success object, in the order README.md documents (`shiming verify`,
/// "Output").
const VERDICT_KEYS: [&str; 12] = [
    "verdict",
    "vendor",
    "billed",
    "carrier",
    "vendor_code",
    "vendor_message",
    "request_id",
    "detail",
    "vendor_reference",
    "cost",
    "attempts",
    "cached",
];

/// The keys of each `attempts` entry, in the documented order.
const ATTEMPT_KEYS: [&str; 4] = ["vendor", "outcome", "billed", "price"];

/// The keys README.md shows in an `error` object, in that order (more keys may come between
/// them).
const ERROR_KEYS: [&str; 4] = ["kind", "message", "billed", "attempts"];

/// Checks the keys of a `--json` answer in the order printed: a success object has exactly
/// [`VERDICT_KEYS`] in that order; a failure is `{"error": …}` whose keys hold
/// [`ERROR_KEYS`] in that order; every attempt has exactly [`ATTEMPT_KEYS`] in that order.
#[track_caller]
fn assert_documented_order(line: &str) {
    let printed = Printed::parse(line);
    let (keys, attempts) = if printed.keys() == ["error"] {
        let error = printed.get("error");
        let keys = error.keys();
        let mut documented = ERROR_KEYS.iter();
        let mut next = documented.next();
        for key in &keys {
            if Some(key) == next {
                next = documented.next();
            }
        }
        assert!(
            next.is_none(),
            "error keys {keys:?} out of the documented order: {line}"
        );
        (None, error.get("attempts"))
    } else {
        (Some(printed.keys()), printed.get("attempts"))
    };
    if let Some(keys) = keys {
        assert_eq!(keys, VERDICT_KEYS, "key order as printed: {line}");
    }
    for attempt in attempts.items() {
        assert_eq!(
            attempt.keys(),
            ATTEMPT_KEYS,
            "attempt key order as printed: {line}"
        );
    }
}

/// Runs `shiming` with `args`, with no `SHIMING_*` variable of the developer's environment
/// but those in `env`. Every run is checked for personal data and AppCodes.
fn shiming_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shiming"));
    let inherited: Vec<OsString> = std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| {
            k.to_string_lossy()
                .to_ascii_uppercase()
                .starts_with("SHIMING")
        })
        .collect();
    for key in inherited {
        command.env_remove(key);
    }
    command.args(args).envs(env.iter().copied());
    let out = command.output().expect("run shiming");
    let run = Run {
        code: out
            .status
            .code()
            .expect("exit code (not killed by a signal)"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    };
    for secret in SECRETS {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "output holds {secret:?} in full: {run:?}"
        );
    }
    run
}

fn shiming(args: &[&str]) -> Run {
    shiming_env(args, &[])
}

fn mock() -> MockHandle {
    MockMarket::start().expect("start the mock market")
}

/// `verify --json` against `m` with the demo AppCode, plus `args`.
fn verify(m: &MockHandle, args: &[&str]) -> Run {
    let url = m.url();
    let mut all = vec![
        "verify",
        "--endpoint",
        &url,
        "--appcode",
        DEMO_APPCODE,
        "--json",
    ];
    all.extend_from_slice(args);
    shiming(&all)
}

/// The person's arguments: name, ID number and optionally the mobile.
fn person<'a>(name: &'a str, id: &'a str, mobile: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec!["--name", name, "--id-card", id];
    if let Some(mobile) = mobile {
        args.extend(["--mobile", mobile]);
    }
    args
}

fn with<'a>(mut args: Vec<&'a str>, more: &[&'a str]) -> Vec<&'a str> {
    args.extend_from_slice(more);
    args
}

/// (received, charged) at the mock for the demo AppCode on `product`.
fn usage(m: &MockHandle, product: Vendor) -> (u64, u64) {
    let u = m.usage_of(DEMO_APPCODE, product);
    (u.received, u.charged)
}

/// (received, charged) at the mock over every credential and product.
fn total(m: &MockHandle) -> (u64, u64) {
    m.usage()
        .iter()
        .fold((0, 0), |(r, c), u| (r + u.received, c + u.charged))
}

fn product(vendor: &str) -> Vendor {
    Vendor::from_id(vendor).expect("a product id")
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

/// Checks a one-vendor verdict run: exit 0, the verdict, vendor, billing, cost, the attempt,
/// the request id the mock sent, and exactly one received and charged call at that vendor.
fn assert_one_billed_verdict(m: &MockHandle, run: &Run, verdict: &str, vendor: &str, cost: &str) {
    assert_eq!(run.code, 0, "{run:?}");
    // The keys in the documented order, as printed.
    assert_eq!(
        Printed::parse(run.stdout.trim_end()).keys(),
        VERDICT_KEYS,
        "{run:?}"
    );
    let v = run.json();
    assert_eq!(v["verdict"], verdict, "{run:?}");
    assert_eq!(v["vendor"], vendor, "{run:?}");
    assert_eq!(v["billed"], true, "{run:?}");
    assert_eq!(v["cost"], cost, "{run:?}");
    assert!(v["vendor_code"].is_string(), "{run:?}");
    assert!(v["vendor_message"].is_string(), "{run:?}");
    assert_eq!(
        v["attempts"],
        json!([{"vendor": vendor, "outcome": verdict, "billed": true, "price": cost}])
    );
    let journal = m.journal();
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(v["request_id"], journal[0].request_id.as_str());
    assert_eq!(usage(m, product(vendor)), (1, 1));
    assert_eq!(total(m), (1, 1), "nothing else received or charged");
}

// ---------------------------------------------------------------------------------------
// 1. Verdicts

#[test]
fn three_element_verdicts_with_tel3_and_with_auto() {
    let cases = [
        (NAME, ID, "match"),
        (OTHER_NAME, ID, "mismatch"),
        (NAME, UNKNOWN_ID, "no_record"),
    ];
    // auto routes to the first three-element vendor by default priority (the price table):
    // sxm3v2.
    for (vendor_arg, vendor, cost) in [("tel3", "tel3", "0.200"), ("auto", "sxm3v2", "0.170")] {
        for (name, id, verdict) in cases {
            let m = mock();
            let run = verify(
                &m,
                &with(person(name, id, Some(MOBILE)), &["--vendor", vendor_arg]),
            );
            assert_one_billed_verdict(&m, &run, verdict, vendor, cost);
        }
    }
    // auto is the default.
    let m = mock();
    let run = verify(&m, &person(NAME, ID, Some(MOBILE)));
    assert_one_billed_verdict(&m, &run, "match", "sxm3v2", "0.170");
    // sxm3v2 tells the carrier of a 139 number.
    assert_eq!(run.json()["carrier"], "china_mobile");
}

#[test]
fn two_element_verdicts_through_sfz2() {
    let cases = [
        (TWO_NAME, TWO_ID, "match"),
        (OTHER_NAME, TWO_ID, "mismatch"),
        (TWO_NAME, UNKNOWN_ID, "no_record"),
    ];
    for vendor_arg in ["sfz2", "auto"] {
        for (name, id, verdict) in cases {
            let m = mock();
            let run = verify(&m, &with(person(name, id, None), &["--vendor", vendor_arg]));
            assert_one_billed_verdict(&m, &run, verdict, "sfz2", "0.040");
            assert_eq!(run.json()["carrier"], Value::Null);
            assert_eq!(m.journal()[0].path, "/idcard");
        }
    }
}

#[test]
fn an_mvno_number_gets_one_billed_no_record_and_no_failover() {
    let m = mock();
    let (name, id, mobile) = MVNO;
    let run = verify(&m, &person(name, id, Some(mobile)));
    // NoRecord is a verdict: billed, and the next vendor is not asked (by default).
    assert_one_billed_verdict(&m, &run, "no_record", "sxm3v2", "0.170");
}

// ---------------------------------------------------------------------------------------
// 2. Every error kind and its exit code

#[test]
fn invalid_input_is_refused_before_anything_is_sent() {
    for vendor in ["tel3", "auto"] {
        let m = mock();
        let run = verify(
            &m,
            &with(person(NAME, BAD_ID, Some(MOBILE)), &["--vendor", vendor]),
        );
        assert_eq!(run.code, 2, "{run:?}");
        let e = run.error();
        assert_eq!(e["kind"], "invalid_input");
        assert_eq!(e["billed"], false);
        assert_eq!(e["attempts"], json!([]));
        assert_eq!(e["vendor"], Value::Null);
        assert!(e["message"].as_str().expect("message").contains("id_card"));
        assert!(m.journal().is_empty(), "never sent: {:?}", m.journal());
        assert_eq!(total(&m), (0, 0));
    }
    // Human output: on stderr, the public kind said once, nothing on stdout.
    let m = mock();
    let url = m.url();
    let mut args = vec!["verify", "--endpoint", &url, "--appcode", DEMO_APPCODE];
    args.extend(person(NAME, BAD_ID, Some(MOBILE)));
    let run = shiming(&args);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.starts_with("shiming: invalid_input: "),
        "{run:?}"
    );
    assert_eq!(run.stderr.matches("invalid_input").count(), 1, "{run:?}");
    assert!(run.stderr.contains("billed: no"), "{run:?}");
    assert!(m.journal().is_empty());
}

#[test]
fn strict_refuses_an_abolished_region_before_sending() {
    let m = mock();
    let run = verify(
        &m,
        &with(person(NAME, ABOLISHED_ID, Some(MOBILE)), &["--strict"]),
    );
    assert_eq!(run.code, 2, "{run:?}");
    let e = run.error();
    assert_eq!(e["kind"], "invalid_input");
    assert_eq!(e["billed"], false);
    assert!(m.journal().is_empty(), "never sent: {:?}", m.journal());
    // Lenient by default: such numbers exist, so the check is sent (and billed).
    let run = verify(&m, &person(NAME, ABOLISHED_ID, Some(MOBILE)));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["billed"], true);
    assert_eq!(total(&m), (1, 1));
}

#[test]
fn a_wrong_appcode_is_unauthorized() {
    let m = mock();
    let url = m.url();
    let mut args = vec![
        "verify",
        "--endpoint",
        &url,
        "--appcode",
        WRONG_APPCODE,
        "--json",
        "--vendor",
        "tel3",
    ];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming(&args);
    assert_eq!(run.code, 3, "{run:?}");
    let e = run.error();
    assert_eq!(e["kind"], "unauthorized");
    assert_eq!(e["billed"], false);
    assert_eq!(e["vendor"], "tel3");
    assert_eq!(
        e["attempts"],
        json!([{"vendor": "tel3", "outcome": "unauthorized", "billed": false, "price": "0.200"}])
    );
    let journal = m.journal();
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert!(!journal[0].charged);
    assert_eq!(e["request_id"], journal[0].request_id.as_str());
    assert_eq!(usage(&m, Vendor::Tel3), (0, 0));
    assert_eq!(total(&m), (0, 0));

    // With auto, a refused AppCode fails over (nothing was charged) until every vendor
    // refused it; phonethird is not asked without consent.
    let m = mock();
    let url = m.url();
    args[2] = &url;
    args[7] = "auto";
    let run = shiming(&args);
    assert_eq!(run.code, 3, "{run:?}");
    let e = run.error();
    assert_eq!(e["kind"], "unauthorized");
    assert_eq!(e["billed"], false);
    let tried: Vec<&str> = e["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| {
            assert_eq!(a["outcome"], "unauthorized");
            assert_eq!(a["billed"], false);
            a["vendor"].as_str().expect("vendor")
        })
        .collect();
    assert_eq!(tried, ["sxm3v2", "tel3", "sjsys"]);
    assert_eq!(m.journal().len(), 3);
    assert_eq!(total(&m), (0, 0));
}

#[test]
fn no_quota_left_is_quota_exhausted() {
    let m = mock();
    m.set_quota(DEMO_APPCODE, &[Vendor::Tel3], Some(0));
    let run = verify(
        &m,
        &with(person(NAME, ID, Some(MOBILE)), &["--vendor", "tel3"]),
    );
    assert_eq!(run.code, 3, "{run:?}");
    let e = run.error();
    assert_eq!(e["kind"], "quota_exhausted");
    assert_eq!(e["billed"], false);
    assert_eq!(e["vendor"], "tel3");
    assert_eq!(
        e["attempts"],
        json!([{"vendor": "tel3", "outcome": "quota_exhausted", "billed": false, "price": "0.200"}])
    );
    // Received by the gateway, refused for quota, not charged; no other vendor asked.
    assert_eq!(usage(&m, Vendor::Tel3), (1, 0));
    assert_eq!(total(&m), (1, 0));
    assert_eq!(m.journal().len(), 1);
}

#[test]
fn flow_control_is_throttled_in_both_gateway_styles() {
    for vpc_style in [false, true] {
        let m = MockMarket::builder()
            .throttle(Throttle {
                per_second: 0,
                vpc_style,
            })
            .start()
            .expect("start the mock market");
        let run = verify(
            &m,
            &with(person(NAME, ID, Some(MOBILE)), &["--vendor", "tel3"]),
        );
        assert_eq!(run.code, 3, "{run:?}");
        let e = run.error();
        assert_eq!(e["kind"], "throttled", "vpc_style {vpc_style}");
        assert_eq!(e["billed"], false);
        assert_eq!(e["attempts"][0]["outcome"], "throttled");
        // Throttled before the quota step: not even counted as received, and not retried.
        let journal = m.journal();
        assert_eq!(journal.len(), 1, "{journal:?}");
        assert_eq!(journal[0].status, if vpc_style { 429 } else { 403 });
        assert_eq!(usage(&m, Vendor::Tel3), (0, 0));
        assert_eq!(total(&m), (0, 0));
    }
}

#[test]
fn a_gateway_503_is_unavailable() {
    let m = mock();
    m.queue_fault(Fault::Unavailable(503), 1, Some(Vendor::Tel3));
    let run = verify(
        &m,
        &with(person(NAME, ID, Some(MOBILE)), &["--vendor", "tel3"]),
    );
    assert_eq!(run.code, 3, "{run:?}");
    let e = run.error();
    assert_eq!(e["kind"], "unavailable");
    assert_eq!(e["billed"], false);
    assert_eq!(
        e["attempts"],
        json!([{"vendor": "tel3", "outcome": "unavailable", "billed": false, "price": "0.200"}])
    );
    assert_eq!(usage(&m, Vendor::Tel3), (1, 0));
    assert_eq!(total(&m), (1, 0));
    assert_eq!(m.journal().len(), 1, "not retried");

    // Human output names the public kind, not the internal one.
    m.queue_fault(Fault::Unavailable(503), 1, Some(Vendor::Tel3));
    let url = m.url();
    let mut args = vec![
        "verify",
        "--endpoint",
        &url,
        "--appcode",
        DEMO_APPCODE,
        "--vendor",
        "tel3",
    ];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming(&args);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.starts_with("shiming: unavailable: tel3: "),
        "{run:?}"
    );
    assert!(!run.stderr.contains("vendor_fault"), "{run:?}");
    assert!(run.stderr.contains("billed: no"), "{run:?}");
    assert_eq!(usage(&m, Vendor::Tel3), (2, 0));
}

#[test]
fn a_dropped_connection_may_have_been_charged_and_is_not_retried() {
    let m = mock();
    m.queue_fault(Fault::Drop, 1, Some(Vendor::Tel3));
    let run = verify(
        &m,
        &with(
            person(NAME, ID, Some(MOBILE)),
            &["--vendor", "tel3", "--timeout", "5"],
        ),
    );
    assert_eq!(run.code, 3, "{run:?}");
    let e = run.error();
    assert_eq!(e["kind"], "may_have_been_charged");
    assert_eq!(e["billed"], Value::Null, "unknown: {e}");
    assert_eq!(
        e["attempts"],
        json!([{"vendor": "tel3", "outcome": "may_have_been_charged", "billed": null, "price": "0.200"}])
    );
    // The mock did charge it; the CLI sent it once.
    assert_eq!(usage(&m, Vendor::Tel3), (1, 1));
    assert_eq!(total(&m), (1, 1));
    assert_eq!(m.journal().len(), 1);

    // With auto, no failover after a call that may have been charged.
    let m = mock();
    m.queue_fault(Fault::Drop, 1, Some(Vendor::Sxm3v2));
    let run = verify(
        &m,
        &with(person(NAME, ID, Some(MOBILE)), &["--timeout", "5"]),
    );
    assert_eq!(run.code, 3, "{run:?}");
    let e = run.error();
    assert_eq!(e["kind"], "may_have_been_charged");
    assert_eq!(e["billed"], Value::Null);
    assert_eq!(e["attempts"].as_array().map(Vec::len), Some(1));
    assert_eq!(e["attempts"][0]["vendor"], "sxm3v2");
    assert_eq!(usage(&m, Vendor::Sxm3v2), (1, 1));
    assert_eq!(usage(&m, Vendor::Tel3), (0, 0));
    assert_eq!(total(&m), (1, 1));
}

#[test]
fn an_unreadable_answer_is_a_protocol_error() {
    for fault in [Fault::Malformed, Fault::Truncate] {
        let m = mock();
        m.queue_fault(fault, 1, Some(Vendor::Tel3));
        let run = verify(
            &m,
            &with(person(NAME, ID, Some(MOBILE)), &["--vendor", "tel3"]),
        );
        assert_eq!(run.code, 3, "{fault}: {run:?}");
        let e = run.error();
        assert_eq!(e["kind"], "protocol", "{fault}");
        // The gateway answered 2xx, so the call was charged.
        assert_eq!(e["billed"], true, "{fault}");
        assert_eq!(
            e["attempts"],
            json!([{"vendor": "tel3", "outcome": "protocol", "billed": true, "price": "0.200"}])
        );
        assert_eq!(usage(&m, Vendor::Tel3), (1, 1), "{fault}");
        assert_eq!(total(&m), (1, 1), "{fault}");
    }
}

// ---------------------------------------------------------------------------------------
// 3. Failover

#[test]
fn no_quota_at_the_first_vendor_fails_over_with_exactly_one_charge() {
    let m = mock();
    m.set_quota(DEMO_APPCODE, &[Vendor::Sxm3v2], Some(0));
    let run = verify(
        &m,
        &with(person(NAME, ID, Some(MOBILE)), &["--vendor", "auto"]),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["verdict"], "match");
    assert_eq!(v["vendor"], "tel3");
    assert_eq!(v["billed"], true);
    assert_eq!(v["cost"], "0.200");
    assert_eq!(
        v["attempts"],
        json!([
            {"vendor": "sxm3v2", "outcome": "quota_exhausted", "billed": false, "price": "0.170"},
            {"vendor": "tel3", "outcome": "match", "billed": true, "price": "0.200"},
        ])
    );
    assert_eq!(usage(&m, Vendor::Sxm3v2), (1, 0));
    assert_eq!(usage(&m, Vendor::Tel3), (1, 1));
    assert_eq!(total(&m), (2, 1), "exactly one charged call in total");

    // The human summary names both vendors.
    let url = m.url();
    let mut args = vec!["verify", "--endpoint", &url, "--appcode", DEMO_APPCODE];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming(&args);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("verdict:  match"), "{run:?}");
    assert!(run.stdout.contains("vendor:   tel3"), "{run:?}");
    let tried = run
        .stdout
        .lines()
        .find(|l| l.starts_with("tried:"))
        .unwrap_or_else(|| panic!("a tried: line {run:?}"));
    assert!(
        tried.contains("sxm3v2: quota_exhausted (not billed, 0.170) → tel3: match (billed, 0.200)"),
        "{run:?}"
    );
    assert_eq!(total(&m), (4, 2));
}

#[test]
fn a_503_at_the_first_vendor_fails_over() {
    let m = mock();
    m.queue_fault(Fault::Unavailable(503), 1, Some(Vendor::Sxm3v2));
    let run = verify(&m, &person(NAME, ID, Some(MOBILE)));
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["vendor"], "tel3");
    assert_eq!(v["attempts"][0]["outcome"], "unavailable");
    assert_eq!(v["attempts"][0]["billed"], false);
    assert_eq!(usage(&m, Vendor::Sxm3v2), (1, 0));
    assert_eq!(usage(&m, Vendor::Tel3), (1, 1));
    assert_eq!(total(&m), (2, 1));

    // The human summary uses the same public outcome names as --json.
    m.queue_fault(Fault::Unavailable(503), 1, Some(Vendor::Sxm3v2));
    let url = m.url();
    let mut args = vec!["verify", "--endpoint", &url, "--appcode", DEMO_APPCODE];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming(&args);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("tried:    sxm3v2: unavailable (not billed, 0.170) → tel3: match"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("vendor_fault"), "{run:?}");
    assert_eq!(total(&m), (4, 2));
}

#[test]
fn a_verdict_ends_the_route_even_a_mismatch() {
    let m = mock();
    let run = verify(&m, &person(OTHER_NAME, ID, Some(MOBILE)));
    assert_one_billed_verdict(&m, &run, "mismatch", "sxm3v2", "0.170");
}

// ---------------------------------------------------------------------------------------
// 4. Usage errors (exit 2, nothing sent, nothing on stdout)

fn assert_usage(run: &Run, mentions: &[&str]) {
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    for word in mentions {
        assert!(
            run.stderr.contains(word),
            "stderr should mention {word}: {run:?}"
        );
    }
}

#[test]
fn without_credentials_it_names_both_ways() {
    let m = mock();
    let url = m.url();
    let base = with(vec!["verify"], &person(NAME, ID, Some(MOBILE)));
    for extra in [
        &[][..],
        &["--json"],
        &["--endpoint", &url],
        &["--endpoint", &url, "--vendor", "tel3"],
    ] {
        let run = shiming(&with(base.clone(), extra));
        // A build without the mock market does not suggest --mock.
        let ways: &[&str] = if cfg!(feature = "mock") {
            &["--appcode", "--mock", "no credentials"]
        } else {
            &["--appcode", "no credentials"]
        };
        assert_usage(&run, ways);
        assert!(!run.stderr.contains("built-in mock market at"), "{run:?}");
    }
    assert!(m.journal().is_empty());
}

#[test]
fn a_vendor_that_does_not_check_what_was_given_is_a_usage_error() {
    let m = mock();
    // sfz2 checks two elements: no --mobile.
    let run = verify(
        &m,
        &with(
            person(TWO_NAME, TWO_ID, Some(MOBILE)),
            &["--vendor", "sfz2"],
        ),
    );
    assert_usage(&run, &["sfz2", "--mobile"]);
    // tel3 checks three: it needs --mobile.
    let run = verify(&m, &with(person(NAME, ID, None), &["--vendor", "tel3"]));
    assert_usage(&run, &["tel3", "--mobile"]);
    assert!(m.journal().is_empty());
    assert_eq!(total(&m), (0, 0));
}

#[test]
fn an_unknown_vendor_is_a_usage_error() {
    let m = mock();
    let run = verify(
        &m,
        &with(person(NAME, ID, Some(MOBILE)), &["--vendor", "tel4"]),
    );
    assert_usage(&run, &["unknown vendor", "tel3", "auto"]);
    assert!(m.journal().is_empty());
}

#[test]
fn phonethird_needs_the_consent_switch() {
    let m = mock();
    let run = verify(
        &m,
        &with(person(NAME, ID, Some(MOBILE)), &["--vendor", "phonethird"]),
    );
    assert_usage(&run, &["phonethird", "consent", "--phonethird-consent"]);
    assert!(m.journal().is_empty());

    let run = verify(
        &m,
        &with(
            person(NAME, ID, Some(MOBILE)),
            &["--vendor", "phonethird", "--phonethird-consent"],
        ),
    );
    assert_one_billed_verdict(&m, &run, "match", "phonethird", "0.475");

    // --mock refuses the same way, before starting a market.
    if !cfg!(feature = "mock") {
        return;
    }
    let mut args = vec!["verify", "--mock", "--vendor", "phonethird"];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming(&args);
    assert_usage(&run, &["--phonethird-consent"]);
    assert!(!run.stderr.contains("built-in mock market at"), "{run:?}");
}

#[test]
fn no_configured_vendor_for_these_elements_is_a_usage_error() {
    let m = mock();
    let url = m.url();
    // Credentials for sfz2 only, and a three-element check.
    let mut args = vec!["verify", "--endpoint", &url, "--json"];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming_env(&args, &[("SHIMING_SFZ2_APPCODE", DEMO_APPCODE)]);
    assert_usage(&run, &["no usable vendor", "mobile"]);
    // Credentials for tel3 only, and a two-element check.
    let mut args = vec!["verify", "--endpoint", &url, "--json"];
    args.extend(person(TWO_NAME, TWO_ID, None));
    let run = shiming_env(&args, &[("SHIMING_TEL3_APPCODE", DEMO_APPCODE)]);
    assert_usage(&run, &["no usable vendor", "sfz2"]);
    assert!(m.journal().is_empty());
}

#[test]
fn bad_option_values_are_usage_errors() {
    let m = mock();
    let url = m.url();
    for (extra, mention) in [
        (&["--timeout", "0"][..], "--timeout"),
        (&["--timeout=-1"], "--timeout"),
        (&["--timeout", "NaN"], "--timeout"),
        (&["--timeout", "soon"], "--timeout"),
        (&["--mock"], "--mock"),
    ] {
        let mut args = vec!["verify", "--endpoint", &url, "--appcode", DEMO_APPCODE];
        args.extend(person(NAME, ID, Some(MOBILE)));
        args.extend_from_slice(extra);
        let run = shiming(&args);
        assert_usage(&run, &[mention]);
    }
    assert!(m.journal().is_empty());
}

// ---------------------------------------------------------------------------------------
// 5. --mock (cargo feature `mock`, on by default)

#[cfg(not(feature = "mock"))]
#[test]
fn without_the_mock_feature_mock_is_refused_as_a_usage_error() {
    for command in ["verify", "batch"] {
        let mut args = vec![command, "--mock"];
        if command == "verify" {
            args.extend(person(NAME, ID, Some(MOBILE)));
        } else {
            // Refused before either file is opened.
            args.extend(["--input", "people.csv", "--output", "results.csv"]);
        }
        let run = shiming(&args);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
        assert_eq!(
            run.stderr,
            "shiming: --mock: this shiming was built without the mock market (cargo feature `mock`)\n"
        );
    }
}

#[cfg(feature = "mock")]
#[test]
fn mock_works_end_to_end_without_endpoint_or_appcode() {
    let mut args = vec!["verify", "--mock"];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming(&args);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("verdict:  match"), "{run:?}");
    assert!(run.stdout.contains("vendor:   sxm3v2"), "{run:?}");
    assert!(
        run.stderr
            .contains("using the built-in mock market at http://127.0.0.1:"),
        "{run:?}"
    );

    args.push("--json");
    let run = shiming(&args);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["verdict"], "match");
    assert_eq!(v["vendor"], "sxm3v2");
    assert_eq!(v["billed"], true);
    assert!(run.stderr.contains("built-in mock market"), "{run:?}");

    // Two elements and a mismatch through --mock too.
    let mut args = vec!["verify", "--mock", "--json"];
    args.extend(person(OTHER_NAME, TWO_ID, None));
    let run = shiming(&args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["verdict"], "mismatch");
    assert_eq!(run.json()["vendor"], "sfz2");
}

// ---------------------------------------------------------------------------------------
// 6. Credentials from the environment

#[test]
fn account_wide_appcode_from_the_environment() {
    let m = mock();
    let url = m.url();
    let mut args = vec!["verify", "--endpoint", &url, "--json"];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming_env(&args, &[("SHIMING_APPCODE", DEMO_APPCODE)]);
    assert_one_billed_verdict(&m, &run, "match", "sxm3v2", "0.170");
}

#[test]
fn vendor_appcode_from_the_environment() {
    let m = mock();
    let url = m.url();
    let mut args = vec!["verify", "--endpoint", &url, "--json", "--vendor", "tel3"];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming_env(&args, &[("SHIMING_TEL3_APPCODE", DEMO_APPCODE)]);
    assert_one_billed_verdict(&m, &run, "match", "tel3", "0.200");

    // With auto, the only vendor with credentials answers.
    let m = mock();
    let url = m.url();
    let mut args = vec!["verify", "--endpoint", &url, "--json"];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming_env(&args, &[("SHIMING_TEL3_APPCODE", DEMO_APPCODE)]);
    assert_one_billed_verdict(&m, &run, "match", "tel3", "0.200");
}

#[test]
fn appcode_option_wins_over_the_environment() {
    let m = mock();
    let run = {
        let url = m.url();
        let mut args = vec![
            "verify",
            "--endpoint",
            &url,
            "--json",
            "--appcode",
            DEMO_APPCODE,
        ];
        args.extend(person(NAME, ID, Some(MOBILE)));
        shiming_env(
            &args,
            &[
                ("SHIMING_APPCODE", WRONG_APPCODE),
                ("SHIMING_SXM3V2_APPCODE", WRONG_APPCODE),
            ],
        )
    };
    assert_one_billed_verdict(&m, &run, "match", "sxm3v2", "0.170");
}

// ---------------------------------------------------------------------------------------
// 7. Configuration file

#[test]
fn configuration_file_changes_which_vendor_answers() {
    let cases = [
        (
            "verify-priority.toml",
            "order = \"priority\"\n[vendors.sjsys]\npriority = 1\n",
            "sjsys",
            "0.420",
        ),
        (
            "verify-price.toml",
            "order = \"price\"\n[vendors.sjsys]\nprice = \"0.01\"\n",
            "sjsys",
            "0.010",
        ),
        (
            "verify-disabled.toml",
            "order = \"price\"\n[vendors.sxm3v2]\nenabled = false\n",
            "tel3",
            "0.200",
        ),
    ];
    for (file, text, vendor, cost) in cases {
        let path = temp_file(file, text);
        let path = path.to_str().expect("UTF-8 temp path");
        let m = mock();
        let run = verify(
            &m,
            &with(person(NAME, ID, Some(MOBILE)), &["--config", path]),
        );
        assert_one_billed_verdict(&m, &run, "match", vendor, cost);
    }

    // SHIMING_CONFIG names the file when --config does not.
    let path = temp_file(
        "verify-env.toml",
        "order = \"priority\"\n[vendors.sjsys]\npriority = 1\n",
    );
    let m = mock();
    let url = m.url();
    let mut args = vec![
        "verify",
        "--endpoint",
        &url,
        "--appcode",
        DEMO_APPCODE,
        "--json",
    ];
    args.extend(person(NAME, ID, Some(MOBILE)));
    let run = shiming_env(
        &args,
        &[("SHIMING_CONFIG", path.to_str().expect("UTF-8 temp path"))],
    );
    assert_one_billed_verdict(&m, &run, "match", "sjsys", "0.420");

    // A mistake in the file is a usage error naming the key; nothing is sent.
    let path = temp_file("verify-typo.toml", "[vendors.sjsys]\nprioritty = 1\n");
    let m = mock();
    let run = verify(
        &m,
        &with(
            person(NAME, ID, Some(MOBILE)),
            &["--config", path.to_str().expect("UTF-8 temp path")],
        ),
    );
    assert_usage(&run, &["prioritty"]);
    assert!(m.journal().is_empty());
}

// ---------------------------------------------------------------------------------------
// 8. No personal data (every run above is also checked by `shiming_env`)

#[test]
fn no_personal_data_in_any_vendor_answer_human_or_json() {
    let three = [
        (NAME, ID, MOBILE),
        (OTHER_NAME, ID, MOBILE),
        (NAME, UNKNOWN_ID, MOBILE),
        MVNO,
    ];
    let m = mock();
    let url = m.url();
    for vendor in ["tel3", "sxm3v2", "sjsys", "phonethird"] {
        for (name, id, mobile) in three {
            for json_flag in [true, false] {
                let mut args = vec![
                    "verify",
                    "--endpoint",
                    &url,
                    "--appcode",
                    DEMO_APPCODE,
                    "--phonethird-consent",
                    "--vendor",
                    vendor,
                ];
                if json_flag {
                    args.push("--json");
                }
                args.extend(person(name, id, Some(mobile)));
                let run = shiming(&args);
                assert_eq!(run.code, 0, "{run:?}");
            }
        }
    }
    for (name, id) in [
        (TWO_NAME, TWO_ID),
        (OTHER_NAME, TWO_ID),
        (TWO_NAME, UNKNOWN_ID),
    ] {
        for json_flag in [true, false] {
            let mut args = vec!["verify", "--endpoint", &url, "--appcode", DEMO_APPCODE];
            if json_flag {
                args.push("--json");
            }
            args.extend(person(name, id, None));
            assert_eq!(shiming(&args).code, 0);
        }
    }
    // Every failure kind, human and JSON.
    for fault in [Fault::Unavailable(503), Fault::Drop, Fault::Malformed] {
        for json_flag in [true, false] {
            m.queue_fault(fault, 1, Some(Vendor::Tel3));
            let mut args = vec![
                "verify",
                "--endpoint",
                &url,
                "--appcode",
                DEMO_APPCODE,
                "--vendor",
                "tel3",
            ];
            if json_flag {
                args.push("--json");
            }
            args.extend(person(NAME, ID, Some(MOBILE)));
            assert_eq!(shiming(&args).code, 3);
        }
    }
    let charged: u64 = total(&m).1;
    // 4 three-element vendors × 4 people × 2 + 3 × 2 two-element checks + 2 drops + 2
    // malformed answers, all charged.
    assert_eq!(charged, 4 * 4 * 2 + 3 * 2 + 2 + 2);
}
