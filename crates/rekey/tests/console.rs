//! The web console end to end in headless Chromium (`tests/js/console.mjs`,
//! playwright-core driving Debian's chromium; both installed by
//! `scripts/test`), against a real signed `rekey serve` holding 1,000
//! secrets, two rotation functions (one slow, one failing) and a user who
//! may only list. The script saves a screenshot of every page under
//! `target/console-screenshots/`.

mod common;

use common::rotation::{Control, FAST_RETRIES};
use common::{Keys, Server, rotation_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const SLOW_FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:slow-rotation";
const FAILING_FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:failing-rotation";

/// node with playwright-core and a Chromium; in CI (`REKEY_REQUIRE_SERVICES=1`)
/// their absence fails the test.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let chromium = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
    let node_ok = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let ready = node_ok && chromium.is_file() && dir.join("node_modules/playwright-core").is_dir();
    if !ready {
        assert!(
            std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "node, tests/js/node_modules/playwright-core and chromium are required (REKEY_REQUIRE_SERVICES=1); run scripts/test"
        );
        eprintln!("skipping: node, playwright-core or chromium is missing (run the tests through scripts/test)");
        return None;
    }
    Some((chromium, dir.join("console.mjs")))
}

fn function(arn: &str, py: &Path, control: &Control) -> String {
    format!(
        "[[function]]\narn = \"{arn}\"\ntype = \"exec\"\ncommand = [{:?}, {:?}, \"rotate_generic.lambda_handler\"]\nenv = {{ REKEY_TEST_CONTROL = {:?} }}\n",
        py.display().to_string(),
        rotation_dir().join("run_exec.py").display().to_string(),
        control.path().display().to_string(),
    )
}

fn call(server: &Server, keys: &Keys, target: &str, body: Value) -> Value {
    let (status, answer) = server.signed(keys, target, &body);
    assert_eq!(status, 200, "{target}: {answer}");
    answer
}

#[test]
fn the_console_in_a_browser() {
    let Some((chromium, script)) = browser() else { return };
    let Some(py) = common::python() else { return };
    let slow = Control::new();
    slow.set("slow-setSecret", "2");
    let failing = Control::new();
    failing.set("fail-setSecret", "");
    let config = format!("{FAST_RETRIES}{}{}", function(SLOW_FN, &py, &slow), function(FAILING_FN, &py, &failing));
    let server = Server::start_signed_with_config(&config);
    slow.set("endpoint", &server.url());
    failing.set("endpoint", &server.url());
    let root = Keys::admin(&server);

    // 1,000 secrets, and among them the one to find.
    for i in 0..1000 {
        let name = format!("app-{:02}/service-{i:04}", i % 40);
        let token = format!("00000000-0000-4000-8000-{i:012}");
        call(
            &server,
            &root,
            "secretsmanager.CreateSecret",
            json!({"Name": name, "SecretString": "v", "ClientRequestToken": token}),
        );
    }
    let target = "payments/stripe-api-key";
    call(
        &server,
        &root,
        "secretsmanager.CreateSecret",
        json!({"Name": target, "SecretString": "sk_live_first", "Description": "The payment provider's key",
               "Tags": [{"Key": "team", "Value": "payments-team"}], "ClientRequestToken": "11111111-0000-4000-8000-000000000001"}),
    );
    call(
        &server,
        &root,
        "secretsmanager.PutSecretValue",
        json!({"SecretId": target, "SecretString": "sk_live_second", "ClientRequestToken": "11111111-0000-4000-8000-000000000002"}),
    );
    let slow_secret = "ops/slow-rotation";
    let failing_secret = "ops/failing-rotation";
    for (name, n) in [(slow_secret, 3), (failing_secret, 4)] {
        call(
            &server,
            &root,
            "secretsmanager.CreateSecret",
            json!({"Name": name, "SecretString": "{\"password\":\"p\"}", "ClientRequestToken": format!("11111111-0000-4000-8000-00000000000{n}")}),
        );
    }
    call(
        &server,
        &root,
        "secretsmanager.RotateSecret",
        json!({"SecretId": failing_secret, "RotationLambdaARN": FAILING_FN, "RotationRules": {"ScheduleExpression": "cron(0 22 * * ? *)"},
               "RotateImmediately": false, "ClientRequestToken": "22222222-0000-4000-8000-000000000001"}),
    );
    // A wrong rule, and the API's own words for it.
    let bad_rule = "cron(0 25 * * ? *)";
    let (_, refused) = server.signed(
        &root,
        "secretsmanager.RotateSecret",
        &json!({"SecretId": slow_secret, "RotationLambdaARN": SLOW_FN, "RotationRules": {"ScheduleExpression": bad_rule},
                "ClientRequestToken": "33333333-0000-4000-8000-000000000001"}),
    );
    let bad_rule_error = refused["Message"].as_str().expect("the API refuses the rule").to_string();
    let (_, bad) = server.signed(
        &Keys { id: root.id.clone(), secret: "not-the-secret".into(), token: None },
        "rekey.GetSessionToken",
        &json!({}),
    );
    let bad_signin_error = bad["Message"].as_str().unwrap().to_string();
    // A user who may list secrets and nothing else.
    call(&server, &root, "rekey.CreateUser", json!({"UserName": "viewer"}));
    call(
        &server,
        &root,
        "rekey.PutUserPolicy",
        json!({"UserName": "viewer", "PolicyName": "list-only", "PolicyDocument": json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}]
        }).to_string()}),
    );
    let viewer =
        Keys::from_json(&call(&server, &root, "rekey.CreateAccessKey", json!({"UserName": "viewer"}))["AccessKey"]);
    let link = call(&server, &root, "rekey.CreateSignInLink", json!({"UserName": "viewer"}));
    let c = &link["Credentials"];
    let link = format!(
        "{}{}",
        server.url(),
        rekey_console::link::path(
            c["AccessKeyId"].as_str().unwrap(),
            c["SecretAccessKey"].as_str().unwrap(),
            c["SessionToken"].as_str().unwrap(),
            "us-east-1"
        )
        .as_str()
    );

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let out = Command::new("node")
        .arg(&script)
        .env("CHROMIUM", &chromium)
        .env("REKEY_URL", server.url())
        .env("SHOTS", &shots)
        .env("ADMIN_KEY", &root.id)
        .env("ADMIN_SECRET", &root.secret)
        .env("VIEWER_KEY", &viewer.id)
        .env("VIEWER_SECRET", &viewer.secret)
        .env("TARGET", target)
        .env("TARGET_VALUE", "sk_live_second")
        .env("SLOW", slow_secret)
        .env("SLOW_FUNCTION", SLOW_FN)
        .env("FAILING", failing_secret)
        .env("BAD_RULE", bad_rule)
        .env("BAD_RULE_ERROR", &bad_rule_error)
        .env("BAD_SIGNIN_ERROR", &bad_signin_error)
        .env("SIGN_IN_LINK", &link)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "the browser test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("the script's report");
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());

    // The keyboard's way in.
    assert_eq!((report["firstTab"].as_str(), report["afterSkip"].as_str()), (Some("Skip to content"), Some("main")));
    // The cookie, as the browser holds it.
    assert_eq!(report["cookie"], json!({"httpOnly": true, "sameSite": "Strict", "path": "/console"}));
    // The reveal: never cached, and in the trail as the session's own call.
    assert_eq!(report["headers"]["reveal"]["cache-control"], "no-store");
    assert!(report["headers"]["reveal"]["content-security-policy"].as_str().unwrap().contains("script-src 'self'"));
    assert_eq!(report["revealRecordKey"], report["sessionKey"], "the reveal is audited as the signed-in session");
    assert!(report["sessionKey"].as_str().unwrap().starts_with("ASIA"));
    // The preview: five windows, ten days apart.
    assert_eq!(report["previewWindows"].as_array().unwrap().len(), 5, "{}", report["previewWindows"]);
    assert_eq!(report["sawRunning"], true);
    assert!(report["stepsShown"].as_u64().unwrap() >= 4, "the four steps on the timeline");
    assert!(report["jobsAfterRotateNow"].as_u64().unwrap() >= 2);
    assert!(report["labelMoves"].as_u64().unwrap() >= 4, "CreateSecret, two PutSecretValue, the rollback");
    assert_eq!(report["movesPicture"], 1);
    assert!(report["calendarDays"].as_u64().unwrap() >= 35);
    // rate(10 days): three windows in five weeks (ListSecrets shows its
    // rules with AutomaticallyAfterDays beside the expression).
    assert!(report["slowWindows"].as_u64().unwrap() >= 3, "{}", report["slowWindows"]);
    // A stolen cookie after sign-out gets nothing but the sign-in page.
    assert_eq!(report["stolenAfterSignOut"], 303);
    // The viewer lists, and is refused everything else, by the API.
    assert!(report["viewerListed"].as_u64().unwrap() > 0);
    let refusals = report["viewerRefusals"].as_object().unwrap();
    for name in [
        "overview",
        "versions",
        "rotation",
        "audit",
        "admin",
        "preview",
        "live",
        "reveal",
        "put",
        "rollback",
        "rotate",
        "cancel",
        "configure",
    ] {
        let r = &refusals[name];
        let text = r["text"].as_str().unwrap();
        assert!(
            text.contains("AccessDeniedException") && text.contains("user/viewer is not authorized"),
            "{name}: {r}"
        );
        assert!(r["status"].as_u64().unwrap() >= 400, "{name}: {r}");
    }
    // Nothing the viewer tried changed anything.
    let value = call(&server, &root, "secretsmanager.GetSecretValue", json!({"SecretId": target}));
    assert_ne!(value["SecretString"], "stolen");
    // The link signed the viewer in once.
    assert_eq!(report["linkSignedIn"], "Secrets");
    assert!(report["linkAgain"].as_str().unwrap().contains("The security token included in the request is invalid"));
    assert_eq!(report["browserErrors"], json!([]), "no script error, no CSP violation");
    // No WCAG 2.1 A/AA finding of axe-core on any kind of page.
    for (page, found) in report["a11y"].as_object().unwrap() {
        assert_eq!(found, &json!([]), "accessibility of {page}");
    }
    assert!(report["a11y"].as_object().unwrap().len() >= 9);
    assert!(report["shots"].as_array().unwrap().len() >= 25);
}
