//! Everything the router and the clients below it log at trace level, through a full routed
//! run against the mock market — five vendors, failover, a possible charge, a local refusal —
//! never contains a full name, ID number, mobile or AppCode. The run is checked to be what it
//! claims: in each round the vendor it is meant to reach gives the verdict (journaled and
//! charged by the mock), after the vendors before it refused.

use shiming::config::Config;
use shiming::gateway::GatewayClient;
use shiming::{ErrorKind, Identity, Routed, Verdict};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{Fault, MockHandle, MockMarket, Vendor};
use shiming_test_support::trace::traced;

const PEOPLE: [(&str, &str, Option<&str>); 4] = [
    ("陈思远", "330106198805160711", Some("13957120001")),
    ("王五", "330106198805160711", Some("13957120001")),
    ("周子轩", "420106199906122155", Some("17092710005")),
    ("吴秀英", "11010219560409026X", None),
];

/// What each of [`PEOPLE`] gets, from whichever vendor answers.
const VERDICTS: [Verdict; 4] = [
    Verdict::Match,
    Verdict::Mismatch,
    Verdict::NoRecord,
    Verdict::Match,
];

/// Checks that the vendors in `tried` were asked in that order and the last one answered
/// `verdict` — a billed answer the mock market journaled under the same request id.
#[track_caller]
fn assert_answered(m: &MockHandle, routed: &Routed, tried: &[&str], verdict: Verdict) {
    let v = &routed.verification;
    let asked: Vec<&str> = routed.attempts.iter().map(|a| a.vendor).collect();
    assert_eq!(asked, tried, "{routed:?}");
    assert_eq!(
        (v.vendor, v.verdict),
        (tried[tried.len() - 1], verdict),
        "{routed:?}"
    );
    let request_id = v.request_id.as_deref().expect("the gateway's request id");
    let journal = m.journal();
    let entry = journal
        .iter()
        .find(|e| e.request_id == request_id)
        .unwrap_or_else(|| panic!("{request_id} is not in the journal: {journal:?}"));
    assert_eq!(entry.product, Some(v.vendor), "{entry:?}");
    assert!(entry.charged, "{entry:?}");
}

#[test]
fn routed_runs_log_no_personal_data_or_credentials() {
    let m = MockMarket::start().unwrap();
    let ((), text) = traced(async {
        let mut config = Config::from_toml_str(
                "order = \"price\"\n[failover]\nafter_possible_charge = true\n[vendors.phonethird]\nconsent_obtained_by_caller = true\n",
            )
            .unwrap();
        config.endpoint = Some(m.url());
        config.apply_env_from(|n| (n == "SHIMING_APPCODE").then(|| DEMO_APPCODE.to_string()));
        let router = config.router(&GatewayClient::new()).expect("router");
        // Each vendor in turn answers, by using up the ones before it.
        let order = [
            Vendor::Sxm3v2,
            Vendor::Tel3,
            Vendor::Sjsys,
            Vendor::Phonethird,
        ];
        for used_up in 0..order.len() {
            m.reset();
            m.set_quota(DEMO_APPCODE, &order[..used_up], Some(0));
            let answering = order[used_up];
            for ((name, id, mobile), verdict) in PEOPLE.into_iter().zip(VERDICTS) {
                let routed = router
                    .verify(&Identity::unchecked(name, id, mobile))
                    .await
                    .unwrap_or_else(|e| panic!("round {used_up}, {name}: {e}"));
                // Three-element checks reach the vendors in price order, each used-up one
                // refusing; two-element checks go to sfz2.
                let expected: Vec<&str> = if mobile.is_some() {
                    order[..=used_up].iter().map(|p| p.id()).collect()
                } else {
                    vec![Vendor::Sfz2.id()]
                };
                assert_answered(&m, &routed, &expected, verdict);
            }
            assert_eq!(
                m.usage_of(DEMO_APPCODE, answering).charged,
                3,
                "{} answered the three three-element checks",
                answering.id()
            );
            assert_eq!(m.usage_of(DEMO_APPCODE, Vendor::Sfz2).charged, 1);
        }
        m.reset();
        m.queue_fault(Fault::Drop, 1, Some(Vendor::Sxm3v2));
        let (name, id, mobile) = PEOPLE[0];
        // sxm3v2 may have charged and did not answer; the configuration allows failing
        // over after that, so tel3 answers.
        let routed = router
            .verify(&Identity::unchecked(name, id, mobile))
            .await
            .expect("tel3 answers after the dropped call");
        assert_answered(&m, &routed, &["sxm3v2", "tel3"], Verdict::Match);
        assert_eq!(m.usage_of(DEMO_APPCODE, Vendor::Sxm3v2).charged, 1);
        // Refused locally: no vendor is asked.
        let refused = router
            .verify(&Identity::unchecked(name, "330106198805160712", mobile))
            .await
            .expect_err("a wrong check digit is refused");
        assert_eq!(refused.error.kind(), ErrorKind::InvalidInput);
        assert!(refused.attempts.is_empty(), "{refused}");
        assert_eq!(m.journal().len(), 2, "nothing sent for the refused check");
    });
    assert!(
        text.contains("shiming.route"),
        "route spans were recorded: {text}"
    );
    assert!(text.contains("failing over"), "failover was logged: {text}");
    for (name, id, mobile) in PEOPLE {
        for secret in [Some(name), Some(id), mobile].into_iter().flatten() {
            assert!(
                !text.contains(secret),
                "log output leaks {secret:?}:\n{text}"
            );
        }
    }
    for secret in [DEMO_APPCODE, "330106198805160712", "%E9%99%88"] {
        assert!(
            !text.contains(secret),
            "log output leaks {secret:?}:\n{text}"
        );
    }
}
