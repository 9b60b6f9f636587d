//! The socket-free entry point: `Pipeline::respond` runs the whole request pipeline in memory
//! and answers what the server would send over a connection.

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::gateway::signature::{sign, string_to_sign, HmacAlgorithm, SignedRequest};
use shiming_mock_market::{MockMarket, Pipeline, Reply, Vendor};

const AUTH: &str = "APPCODE shimingdemoappcode0000000000000";

fn get(target: &str, headers: &[(&str, &str)]) -> Request<Bytes> {
    let mut builder = Request::get(target).header("Authorization", AUTH);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Bytes::new()).unwrap()
}

fn answered(reply: Reply) -> http::Response<Bytes> {
    match reply {
        Reply::Respond { response, .. } => response,
        other => panic!("closed: {other:?}"),
    }
}

#[test]
fn a_documented_body_is_the_same_bytes_as_over_a_socket() {
    let pipeline = MockMarket::pipeline();
    let server = MockMarket::start().unwrap();
    let mut successes = 0;
    for scenario in ["tel3/success", "tel3/fail-mobile", "tel3/no-record"] {
        let response = answered(pipeline.respond(get("/mobile", &[("X-Mock-Scenario", scenario)])));
        let wire = support::send(
            server.addr(),
            "GET",
            "/mobile",
            &[("Authorization", AUTH), ("X-Mock-Scenario", scenario)],
            b"",
        )
        .unwrap();
        assert_eq!(response.status().as_u16(), wire.status, "{scenario}");
        assert_eq!(response.body().as_ref(), wire.body.as_slice(), "{scenario}");
        assert_eq!(
            response.headers()["content-type"],
            wire.header("content-type").unwrap()
        );
        assert!(response.headers().contains_key("x-ca-request-id"));
        successes += u64::from(response.status().is_success());
    }
    assert!(successes >= 1);
    assert_eq!(
        pipeline.usage_of(DEMO_APPCODE, Vendor::Tel3).charged,
        successes,
        "2xx answers only are charged"
    );
}

#[test]
fn vendors_answer_from_query_form_and_json_parameters() {
    let pipeline = MockMarket::pipeline();
    // tel3: query.
    let tel3 = answered(pipeline.respond(get(
        "/mobile?xm=%E9%99%88%E6%80%9D%E8%BF%9C&sfz=330106198805160711&mob=13957120001",
        &[],
    )));
    let body: serde_json::Value = serde_json::from_slice(tel3.body()).unwrap();
    assert_eq!(
        (tel3.status().as_u16(), body["msg"].as_str()),
        (200, Some("校验通过"))
    );
    // sxm3v2: JSON body.
    let json = Request::post("/mobile3/check")
        .header("Authorization", AUTH)
        .header("Content-Type", "application/json; charset=UTF-8")
        .body(Bytes::from(
            r#"{"name":"陈思远","idCard":"330106198805160711","mobile":"13957120001"}"#,
        ))
        .unwrap();
    let sxm = answered(pipeline.respond(json));
    assert_eq!(
        sxm.status(),
        200,
        "{:?}",
        String::from_utf8_lossy(sxm.body())
    );
    // sjsys: form body.
    let form = Request::post("/communication/personal/1979")
        .header("Authorization", AUTH)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(Bytes::from(
            "name=%E9%99%88%E6%80%9D%E8%BF%9C&idcard=330106198805160711&mobile=13957120001",
        ))
        .unwrap();
    let sjsys = answered(pipeline.respond(form));
    assert_eq!(sjsys.status(), 200);
    for product in [Vendor::Tel3, Vendor::Sxm3v2, Vendor::Sjsys] {
        assert_eq!(
            pipeline.usage_of(DEMO_APPCODE, product).charged,
            1,
            "{product:?}"
        );
    }
    // The journal has all three, masked.
    let journal = pipeline.journal();
    assert_eq!(journal.len(), 3);
    let text = serde_json::to_string(&journal).unwrap();
    assert!(
        !text.contains("330106198805160711") && !text.contains("13957120001"),
        "{text}"
    );
}

#[test]
fn routing_auth_and_limits_are_the_gateways() {
    let config = shiming_mock_market::MarketConfig {
        max_body_bytes: 16,
        ..shiming_mock_market::MarketConfig::default()
    };
    let pipeline = MockMarket::builder().config(config).pipeline();
    let status = |reply: Reply| {
        let response = answered(reply);
        let message = response
            .headers()
            .get("x-ca-error-message")
            .map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), message)
    };
    assert_eq!(
        status(pipeline.respond(get("/nope", &[]))),
        (404, Some("API not found with `GET /nope`".into()))
    );
    // Host naming another product.
    assert_eq!(
        status(pipeline.respond(get("/mobile", &[("Host", "sfz2.market.alicloudapi.com")]))).0,
        404
    );
    let bad_code = Request::get("/mobile")
        .header("Authorization", "APPCODE nope")
        .body(Bytes::new())
        .unwrap();
    assert_eq!(status(pipeline.respond(bad_code)).0, 400);
    let unsigned = Request::get("/mobile").body(Bytes::new()).unwrap();
    assert_eq!(
        status(pipeline.respond(unsigned)),
        (401, Some("Empty Signature".into()))
    );
    let big = Request::post("/mobile3/check")
        .header("Authorization", AUTH)
        .body(Bytes::from(vec![b'{'; 17]))
        .unwrap();
    assert_eq!(
        status(pipeline.respond(big)),
        (413, Some("Request body too Large".into()))
    );
    let long = format!("/mobile?xm={}", "a".repeat(9_000));
    assert_eq!(status(pipeline.respond(get(&long, &[]))).0, 413);
    assert_eq!(pipeline.usage_of(DEMO_APPCODE, Vendor::Tel3).charged, 0);
}

#[test]
fn faults_are_values_not_waits() {
    let pipeline = MockMarket::builder()
        .late_answer_delay(Duration::from_secs(40))
        .pipeline();
    let started = Instant::now();
    let slow = pipeline.respond(get(
        "/mobile",
        &[
            ("X-Mock-Fault", "latency=5s"),
            ("X-Mock-Scenario", "tel3/success"),
        ],
    ));
    assert_eq!(slow.delay(), Some(Duration::from_secs(5)));
    assert_eq!(slow.response().unwrap().status(), 200);
    let late = pipeline.respond(get(
        "/mobile",
        &[
            ("X-Mock-Fault", "late"),
            ("X-Mock-Scenario", "tel3/success"),
        ],
    ));
    assert_eq!(late.delay(), Some(Duration::from_secs(40)));
    assert!(started.elapsed() < Duration::from_secs(5), "nothing slept");

    let dropped = pipeline.respond(get(
        "/mobile",
        &[
            ("X-Mock-Fault", "drop"),
            ("X-Mock-Scenario", "tel3/success"),
        ],
    ));
    assert!(dropped.is_closed() && dropped.response().is_none());
    let reset = pipeline.respond(get(
        "/mobile",
        &[
            ("X-Mock-Fault", "reset"),
            ("X-Mock-Scenario", "tel3/success"),
        ],
    ));
    assert!(reset.is_closed());
    let timeout = answered(pipeline.respond(get(
        "/mobile",
        &[("X-Mock-Fault", "504"), ("X-Mock-Scenario", "tel3/success")],
    )));
    assert_eq!(timeout.status(), 504);
    // latency, late and drop were processed and charged; reset and 504 were not.
    assert_eq!(pipeline.usage_of(DEMO_APPCODE, Vendor::Tel3).charged, 3);
    let unknown = answered(pipeline.respond(get("/mobile", &[("X-Mock-Fault", "explode")])));
    assert_eq!(unknown.status(), 400);
}

#[test]
fn signatures_nonces_and_the_admin_api_work_in_memory() {
    let pipeline = MockMarket::pipeline();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let mut request = Request::get("/idcard?name=%E5%BC%A0%E4%B8%89&idcard=11010519491231002X")
        .header("Accept", "application/json")
        .header("X-Ca-Key", DEMO_APP_KEY)
        .header("X-Ca-Timestamp", now.as_str())
        .header("X-Ca-Nonce", "pipeline-nonce")
        .header(
            "X-Ca-Signature-Headers",
            "X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp",
        )
        .header("X-Mock-Scenario", "sfz2/success")
        .body(Bytes::new())
        .unwrap();
    let query = vec![
        ("name".to_string(), "张三".to_string()),
        ("idcard".to_string(), "11010519491231002X".to_string()),
    ];
    let sts = string_to_sign(&SignedRequest {
        method: &Method::GET,
        path: "/idcard",
        headers: request.headers(),
        query: &query,
        form: &[],
        body: b"",
    });
    let signature = sign(DEMO_APP_SECRET, &sts, HmacAlgorithm::HmacSha256);
    request
        .headers_mut()
        .insert("x-ca-signature", signature.parse().unwrap());
    let again = request.clone();
    assert_eq!(answered(pipeline.respond(request)).status(), 200);
    let replay = answered(pipeline.respond(again));
    assert_eq!(replay.headers()["x-ca-error-message"], "Nonce Used");

    // A wrong signature is echoed on the wire, never in Debug.
    let forged = Request::get("/idcard?idcard=11010519491231002X")
        .header("X-Ca-Key", DEMO_APP_KEY)
        .header("X-Ca-Signature", "AAAA")
        .body(Bytes::new())
        .unwrap();
    let reply = pipeline.respond(forged);
    let echo = reply.response().unwrap().headers()["x-ca-error-message"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(echo.contains("11010519491231002X"), "{echo}");
    let debug = format!("{reply:?}");
    assert!(
        !debug.contains("11010519491231002X") && debug.contains("400"),
        "{debug}"
    );

    let quota = Request::post("/__admin/quota")
        .body(Bytes::from(format!(
            r#"{{"credential":"{DEMO_APPCODE}","product":"sfz2","quota":0}}"#
        )))
        .unwrap();
    assert_eq!(answered(pipeline.respond(quota)).status(), 200);
    let refused =
        answered(pipeline.respond(get("/idcard", &[("X-Mock-Scenario", "sfz2/success")])));
    assert_eq!(refused.headers()["x-ca-error-message"], "Quota Exhausted");
}

#[test]
fn a_pipeline_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Pipeline>();
    assert_send_sync::<Reply>();
    let pipeline = std::sync::Arc::new(MockMarket::builder().quota(10).pipeline());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let pipeline = std::sync::Arc::clone(&pipeline);
            std::thread::spawn(move || {
                (0..8)
                    .map(|_| {
                        let reply = pipeline
                            .respond(get("/mobile", &[("X-Mock-Scenario", "tel3/success")]));
                        answered(reply).status().as_u16()
                    })
                    .filter(|&s| s == 200)
                    .count()
            })
        })
        .collect();
    let ok: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(ok, 10, "quota is exact without a socket too");
}

/// A small deterministic generator (xorshift), so the test needs no extra crate and fails the
/// same way every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Thousands of odd requests: every one gets a reply (never a panic), and every answer outside
/// the admin API carries a request id.
#[test]
fn arbitrary_requests_never_panic() {
    let pipeline = MockMarket::builder()
        .anti_replay(&[Vendor::Sjsys])
        .late_answer_delay(Duration::from_secs(1))
        .pipeline();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let paths = [
        "/mobile",
        "/mobile3/check",
        "/communication/personal/1979",
        "/idcard",
        "/mobileCheck",
        "/",
        "/__admin/journal",
        "/__admin/usage",
        "/__admin/quota",
        "/__admin/faults",
        "/__admin/reset",
        "/__admin/scenarios",
        "/__admin/x",
        "/%FF%FE",
        "/mobile/",
    ];
    let queries = [
        "",
        "?xm=%E6%9D&sfz=%ZZ&mob=%",
        "?xm=a&xm=b&sfz=1",
        "?&&==&xm",
        "?name=%00&idcard=%7F",
        "?idcard=11010519491231002X&name=%E5%BC%A0%E4%B8%89&mobile=13800138000",
        "?sfz=810000198808080152&xm=%20&mob=17001234567",
        "?mobile=99999999999999999999",
    ];
    let header_names = [
        "authorization",
        "x-mock-fault",
        "x-mock-scenario",
        "content-type",
        "host",
        "x-ca-key",
        "x-ca-signature",
        "x-ca-signature-method",
        "x-ca-signature-headers",
        "x-ca-timestamp",
        "x-ca-nonce",
        "content-md5",
        "accept",
        "date",
    ];
    let header_values = [
        AUTH,
        "APPCODE ",
        "APPCODE  x",
        "",
        "drop",
        "reset",
        "latency=99999999m",
        "late=1ms",
        "skew=-99999999m",
        "502",
        "504",
        "truncate",
        "malformed",
        "tel3/success",
        "sjsys/code-10001",
        "nope/nope",
        "application/json",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "text/plain",
        "tel3.market.alicloudapi.com",
        "sfz2.market.alicloudapi.com:443",
        DEMO_APP_KEY,
        "HmacSHA1",
        "HmacMD5",
        "X-Ca-Key,X-Ca-Nonce,,Accept",
        "1700000000000",
        "18446744073709551615",
        "abc",
        "\u{3000}",
        "Zm9v",
        "bm90IGl0",
    ];
    let bodies: [&[u8]; 8] = [
        b"",
        r#"{"name":"陈思远","idcard":"330106198805160711","mobile":"13957120001"}"#.as_bytes(),
        br#"{"name":1,"idcard":null,"mobile":[1,2,{"a":{}}]}"#,
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"name=%E9%99%88&idcard=330106198805160711&mobile=13957120001&memo=%20",
        b"{\"fault\":\"drop\",\"count\":18446744073709551615,\"product\":\"tel3\"}",
        b"{\"credential\":\"shimingdemoappcode0000000000000\",\"product\":null,\"quota\":3}",
        b"\xff\xfe\x00{=&%",
    ];
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::HEAD,
        Method::OPTIONS,
    ];
    for i in 0..3_000 {
        let mut target = format!("{}{}", rng.pick(&paths), rng.pick(&queries));
        if rng.below(4) == 0 {
            for byte in rng.bytes(12) {
                target.push_str(&format!("%{byte:02X}"));
            }
        }
        let mut builder = Request::builder()
            .method(methods[rng.below(methods.len())].clone())
            .uri(target.as_str());
        for _ in 0..rng.below(8) {
            let value = if rng.below(5) == 0 {
                // Random visible bytes, as far as a header value may hold them.
                rng.bytes(40)
                    .into_iter()
                    .map(|b| if b < 0x20 || b == 0x7f { b'?' } else { b })
                    .collect()
            } else {
                rng.pick(&header_values).as_bytes().to_vec()
            };
            builder = builder.header(
                rng.pick(&header_names),
                http::HeaderValue::from_bytes(&value).unwrap(),
            );
        }
        let body = if rng.below(4) == 0 {
            rng.bytes(300)
        } else {
            bodies[rng.below(bodies.len())].to_vec()
        };
        let request = builder.body(Bytes::from(body)).expect("a valid request");
        let admin = request.uri().path().starts_with("/__admin/");
        match pipeline.respond(request) {
            Reply::Respond { response, .. } => {
                assert!(
                    admin || response.headers().contains_key("x-ca-request-id"),
                    "case {i}: {target}"
                );
            }
            Reply::Close => {}
            other => panic!("case {i}: unexpected reply {other:?}"),
        }
    }
    let _ = pipeline.respond(get("/nope", &[]));
    assert_eq!(pipeline.journal().last().map(|e| e.status), Some(404));
}

/// Found by fuzzing: a request the gateway cannot route had its method and path kept verbatim
/// in the journal (and in the gateway error it records), so an AppCode or an ID number written
/// there was stored in full.
#[test]
fn an_unroutable_request_leaves_no_secret_or_id_number_in_the_journal() {
    let market = MockMarket::pipeline();
    let method = Method::from_bytes(format!("G{DEMO_APPCODE}").as_bytes()).expect("a method");
    let request = Request::builder()
        .method(method)
        .uri("/idcard/11010519491231002X?x=1")
        .body(Bytes::new())
        .expect("a request");
    let _ = answered(market.respond(request));
    let journal = format!("{:?}", market.journal());
    assert!(journal.contains("/idcard/"), "{journal}");
    for secret in [DEMO_APPCODE, "11010519491231002X", "1949123100"] {
        assert!(!journal.contains(secret), "{secret} in {journal}");
    }
}

/// Found by fuzzing: a parameter name (a bare value such as `?13800138000`, or anything a
/// client wrote) was kept verbatim in the journal's parameter line.
#[test]
fn parameter_names_that_look_like_personal_data_are_masked_in_the_journal() {
    let market = MockMarket::pipeline();
    let target = format!("/mobile?xm=a&13800138000&x{DEMO_APPCODE}");
    let _ = market.respond(get(&target, &[("host", "tel3.market.alicloudapi.com")]));
    let journal = format!("{:?}", market.journal());
    assert!(journal.contains("xm="), "{journal}");
    for secret in [DEMO_APPCODE, "13800138000"] {
        assert!(!journal.contains(secret), "{secret} in {journal}");
    }
}
