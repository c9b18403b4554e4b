//! `rekey secretsmanager …` against transcripts of the real aws CLI
//! version 2: every case of `tests/cli/cases.txt` is a bash script whose
//! `aws` is, here, rekey; its exit code, stdout and stderr must be
//! byte-identical to what the real v2 printed on the same server state,
//! recorded in `tests/cli/golden/transcripts.json`. `tests/cli/record`
//! records them again where v2 is installed (this test with
//! `REKEY_CLI_RECORD=<path to v2's aws>`), so CI needs no v2.
//!
//! The server runs `--dev` on a stopped clock, so timestamps repeat; what
//! still differs from run to run (the random end of secret ARNs, random
//! version ids, the server's port, the temporary home) is masked in both.
//! The vendored service model is newer than v2 2.36.7's; the members v2
//! does not know are listed in [`NEWER_MODEL`] and removed from rekey's
//! JSON and YAML before comparing. Help pages (`help/…` cases) are
//! compared word for word: v2 lays them out with groff.

mod common;

use common::Server;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The docs' rotation function ARN, registered as a built-in rotator.
const DOCS_FN: &str = "arn:aws:lambda:us-west-2:1234566789012:function:MyTestRotationLambda";

/// Where every timestamp stands.
const NOW: &str = "2026-06-01T12:00:00Z";

/// Members of the vendored model that v2 2.36.7's model lacks: v2 drops
/// them from the server's answer and leaves them out of skeletons.
const NEWER_MODEL: [&str; 4] = ["PolicyName", "CrossAccountPrimary", "CrossAccountReplicas", "CrossAccountPrimaryARN"];

/// Secret values v2 repeats in an error and rekey does not (it shows
/// `<redacted>`): by case, the text v2 printed in their place.
const REDACTED: [(&str, &str); 2] =
    [("param/binary not base64", "not base64!"), ("param/fileb for a secret string", "b'abc'")];

/// The output formats a `formats` case runs in.
const FORMATS: [&str; 5] = ["json", "text", "table", "yaml", "yaml-stream"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One script of the cases file.
struct Case {
    name: String,
    script: String,
    /// `AWS_DEFAULT_OUTPUT` (and `$FORMAT`) for a `formats` case.
    format: Option<&'static str>,
}

/// The cases file: `@setup` then `@case NAME [formats]` sections of bash.
fn cases() -> (String, Vec<Case>) {
    let text = std::fs::read_to_string(repo().join("tests/cli/cases.txt")).expect("tests/cli/cases.txt");
    let (mut setup, mut cases) = (String::new(), Vec::new());
    let mut current: Option<(String, bool, String)> = None;
    let flush = |current: &mut Option<(String, bool, String)>, cases: &mut Vec<Case>| {
        if let Some((name, formats, script)) = current.take() {
            if formats {
                for f in FORMATS {
                    cases.push(Case { name: format!("{name} [{f}]"), script: script.clone(), format: Some(f) });
                }
            } else {
                cases.push(Case { name, script, format: None });
            }
        }
    };
    let mut in_setup = false;
    for line in text.lines() {
        if line == "@setup" {
            in_setup = true;
        } else if let Some(rest) = line.strip_prefix("@case ") {
            flush(&mut current, &mut cases);
            in_setup = false;
            let (name, formats) = match rest.strip_suffix(" formats") {
                Some(n) => (n.to_string(), true),
                None => (rest.to_string(), false),
            };
            current = Some((name, formats, String::new()));
        } else if in_setup {
            setup.push_str(line);
            setup.push('\n');
        } else if let Some((_, _, script)) = &mut current {
            script.push_str(line);
            script.push('\n');
        }
    }
    flush(&mut current, &mut cases);
    (setup, cases)
}

/// What one run printed.
#[derive(Debug, PartialEq)]
struct Transcript {
    exit: i64,
    stdout: String,
    stderr: String,
}

/// Runs `script` with `aws` standing for `cli`, in a fresh home.
fn run(cli: &Path, server: &Server, script: &str, format: Option<&str>) -> Transcript {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), "[default]\nregion = us-east-1\n").unwrap();
    let prelude = format!("aws() {{ {:?} \"$@\"; }}\n", cli.display().to_string());
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(format!("{prelude}{script}")).current_dir(home.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k == "PAGER" || k == "COLUMNS" {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home.path())
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        .env("AWS_ENDPOINT_URL", server.url())
        .env("AWS_PAGER", "")
        .env("TZ", "UTC")
        .env("LC_ALL", "C.UTF-8");
    if let Some(f) = format {
        cmd.env("AWS_DEFAULT_OUTPUT", f).env("FORMAT", f);
    }
    let out = cmd.output().expect("bash");
    let mask = |b: &[u8]| {
        let text = String::from_utf8_lossy(b).into_owned();
        let text = text.replace(&server.url(), "http://rekey.test").replace(&home.path().display().to_string(), "~");
        without_random_ids(&text)
    };
    Transcript { exit: out.status.code().unwrap_or(-1).into(), stdout: mask(&out.stdout), stderr: mask(&out.stderr) }
}

/// The six random characters ending each secret ARN, and every random
/// UUID, masked (same length, so tables keep their widths).
fn without_random_ids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(":secret:") {
        let start = i + ":secret:".len();
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '|' | ',' | ']' | '\''))
            .map_or(rest.len(), |e| start + e);
        let token = &rest[..end];
        match token.rsplit_once('-') {
            Some((head, tail)) if tail.len() == 6 && tail.chars().all(|c| c.is_ascii_alphanumeric()) => {
                out.push_str(head);
                out.push_str("-XXXXXX");
            }
            _ => out.push_str(token),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    mask_uuids(&out)
}

/// UUIDs other than the cases' own tokens (`00000000-0000-4000-8000-…`).
fn mask_uuids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let is_uuid = |w: &[u8]| {
        w.len() == 36
            && w.iter()
                .enumerate()
                .all(|(j, c)| if matches!(j, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
    };
    while i < b.len() {
        if i + 36 <= b.len() && is_uuid(&b[i..i + 36]) && !s[i..].starts_with("00000000-0000-4000-8000-") {
            out.push_str("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
            i += 36;
        } else {
            let c = s[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// rekey's output without the members v2's older model does not know:
/// JSON reformatted without them, YAML without their lines.
fn without_newer_members(format: Option<&str>, stdout: &str) -> String {
    if !NEWER_MODEL.iter().any(|m| stdout.contains(m)) {
        return stdout.to_string();
    }
    let yaml_lines = || {
        stdout
            .lines()
            .filter(|l| !NEWER_MODEL.iter().any(|m| l.trim_start_matches("- ").starts_with(&format!("{m}:"))))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    match format {
        Some("yaml" | "yaml-stream") => yaml_lines(),
        Some("json") | None => match serde_json::from_str::<Value>(stdout) {
            Ok(mut v) => {
                fn strip(v: &mut Value) {
                    match v {
                        Value::Object(m) => {
                            m.retain(|k, _| !NEWER_MODEL.contains(&k.as_str()));
                            m.values_mut().for_each(strip);
                        }
                        Value::Array(a) => a.iter_mut().for_each(strip),
                        _ => {}
                    }
                }
                strip(&mut v);
                python_json(&v)
            }
            // A yaml-input skeleton.
            Err(_) => yaml_lines(),
        },
        _ => stdout.to_string(),
    }
}

/// A help page's text without its layout: groff's overstrike (`X\bX`),
/// hyphens (a word groff broke across lines is joined) and whitespace go.
fn words(page: &str) -> String {
    let mut out = String::new();
    let mut chars = page.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        if !c.is_whitespace() && c != '-' {
            out.push(c);
        }
    }
    out
}

/// `json.dumps(v, indent=4, ensure_ascii=False)` and a newline.
fn python_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).unwrap();
    String::from_utf8(buf).unwrap() + "\n"
}

fn server() -> Server {
    let config = format!("[[function]]\narn = \"{DOCS_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n");
    Server::start_logged(true, &config, &["--stopped-clock", NOW], None)
}

#[test]
fn the_cli_prints_what_aws_cli_v2_printed() {
    let golden_path = repo().join("tests/cli/golden/transcripts.json");
    let recording = std::env::var_os("REKEY_CLI_RECORD").map(PathBuf::from);
    let rekey = PathBuf::from(env!("CARGO_BIN_EXE_rekey"));
    // `aws secretsmanager …` is `rekey secretsmanager …`: same arguments.
    let cli = match &recording {
        Some(aws) => aws.clone(),
        None => rekey.clone(),
    };
    let server = server();
    let (setup, cases) = cases();
    let done = run(&rekey, &server, &format!("set -e\n{setup}"), None);
    assert_eq!(done.exit, 0, "setup failed: {}", done.stderr);
    let mut got = Map::new();
    for case in &cases {
        let mut t = run(&cli, &server, &case.script, case.format);
        if recording.is_none() {
            t.stdout = without_newer_members(case.format, &t.stdout);
        }
        got.insert(case.name.clone(), serde_json::json!({"exit": t.exit, "stdout": t.stdout, "stderr": t.stderr}));
    }
    if recording.is_some() {
        std::fs::write(&golden_path, python_json(&Value::Object(got))).unwrap();
        return;
    }
    // For a closer look: `REKEY_CLI_ACTUAL=out.json` keeps what rekey printed.
    if let Some(actual) = std::env::var_os("REKEY_CLI_ACTUAL") {
        std::fs::write(actual, python_json(&Value::Object(got.clone()))).unwrap();
    }
    let golden: Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&golden_path).expect("goldens")).expect("golden JSON");
    let mut failures = Vec::new();
    for case in &cases {
        let Some(want) = golden.get(&case.name) else {
            failures.push(format!("{}: no golden (run tests/cli/record)", case.name));
            continue;
        };
        let t = &got[&case.name];
        let (exit, stdout, stderr) = (&t["exit"], t["stdout"].as_str().unwrap(), t["stderr"].as_str().unwrap());
        let same_stdout = if case.name.starts_with("help/") {
            words(stdout) == words(want["stdout"].as_str().unwrap())
        } else {
            stdout == want["stdout"].as_str().unwrap()
        };
        let mut want_stderr = want["stderr"].as_str().unwrap().to_string();
        if let Some((_, secret)) = REDACTED.iter().find(|(name, _)| *name == case.name) {
            want_stderr = want_stderr.replace(secret, "<redacted>");
        }
        if *exit != want["exit"] || !same_stdout || stderr != want_stderr {
            failures.push(format!(
                "{}\n--- rekey (exit {exit}):\n{stdout}{stderr}\n--- v2 (exit {}):\n{}{}",
                case.name,
                want["exit"],
                want["stdout"].as_str().unwrap(),
                want["stderr"].as_str().unwrap()
            ));
        }
    }
    let names: Vec<&str> = failures.iter().map(|f| f.lines().next().unwrap()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from aws CLI v2: {names:?}\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_reference_page_examples_run_verbatim() {
    let server = Server::start_with_config(&format!(
        "[[function]]\narn = \"{DOCS_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config"), "[default]\nregion = us-west-2\n").unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rekey"))
            .arg("secretsmanager")
            .args(args)
            .env("AWS_ENDPOINT_URL", server.url())
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", dir.path().join("config"))
            .env("AWS_PAGER", "")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    run(&["create-secret", "--name", "MyTestDatabaseSecret", "--secret-string", r#"{"password":"old"}"#]);
    // Each example starts a rotation; AWS, too, refuses the next one while
    // that rotation is still running, so wait for it to finish.
    let settle = || {
        common::wait_for(std::time::Duration::from_secs(20), "the rotation to finish", || {
            let d = run(&["describe-secret", "--secret-id", "MyTestDatabaseSecret"]);
            let stages = d["VersionIdsToStages"].as_object().unwrap().values();
            let pending = stages.flat_map(|s| s.as_array().unwrap()).any(|s| s == "AWSPENDING");
            (!pending).then_some(())
        })
    };
    // Example 1: configure and start automatic rotation on a schedule.
    let out = run(&[
        "rotate-secret",
        "--secret-id",
        "MyTestDatabaseSecret",
        "--rotation-lambda-arn",
        DOCS_FN,
        "--rotation-rules",
        "{\"ScheduleExpression\": \"cron(0 16 1,15 * ? *)\", \"Duration\": \"2h\"}",
    ]);
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ARN", "Name", "VersionId"]);
    assert_eq!(out["Name"], "MyTestDatabaseSecret");
    settle();
    // Example 2: automatic rotation on an interval.
    let out = run(&[
        "rotate-secret",
        "--secret-id",
        "MyTestDatabaseSecret",
        "--rotation-lambda-arn",
        DOCS_FN,
        "--rotation-rules",
        "{\"ScheduleExpression\": \"rate(10 days)\"}",
    ]);
    assert_eq!(out["Name"], "MyTestDatabaseSecret");
    settle();
    // Example 3: rotate immediately.
    let out = run(&["rotate-secret", "--secret-id", "MyTestDatabaseSecret"]);
    assert!(out["VersionId"].is_string());
    let d = run(&["describe-secret", "--secret-id", "MyTestDatabaseSecret"]);
    assert_eq!(d["RotationEnabled"], true);
    assert_eq!(d["RotationRules"]["ScheduleExpression"], "rate(10 days)");
}

#[test]
fn auto_prompt_in_tmux() {
    let tmux = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("tmux")).find(|p| p.is_file()));
    let Some(tmux) = tmux else {
        assert!(std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"), "tmux is required in CI");
        eprintln!("skipping: tmux is not installed (scripts/test installs it)");
        return;
    };
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let done = dir.path().join("done");
    let session = format!("rekey-prompt-{}", std::process::id());
    let created = Command::new(env!("CARGO_BIN_EXE_rekey"))
        .args(["secretsmanager", "create-secret", "--name", "prompt/db", "--secret-string", "from-the-prompt"])
        .args(["--endpoint-url", &server.url(), "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .status()
        .unwrap();
    assert!(created.success());
    let script = format!(
        "AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_CONFIG_FILE=/dev/null {} secretsmanager --cli-auto-prompt --endpoint-url {} --region us-east-1 > {}; echo $? > {}",
        env!("CARGO_BIN_EXE_rekey"),
        server.url(),
        out.display(),
        done.display()
    );
    let tm = |args: &[&str]| {
        let o = Command::new(&tmux).args(args).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    tm(&["new-session", "-d", "-s", &session, "-x", "160", "-y", "50", &script]);
    // The session goes, pass or fail.
    struct Kill<'a>(&'a Path, &'a str);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = Command::new(self.0).args(["kill-session", "-t", self.1]).output();
        }
    }
    let _kill = Kill(&tmux, &session);
    let pane = || tm(&["capture-pane", "-p", "-t", &session]);
    let wait_pane =
        |what: &str| common::wait_for(std::time::Duration::from_secs(10), what, || pane().contains(what).then_some(()));
    // Typed literally (`-l --`: text starting with `--` is not a tmux flag), then Enter.
    let line = |text: &str| {
        if !text.is_empty() {
            tm(&["send-keys", "-t", &session, "-l", "--", text]);
        }
        tm(&["send-keys", "-t", &session, "Enter"]);
    };
    wait_pane("> rekey secretsmanager");
    // A prefix shared by several commands lists them; a unique one completes.
    line("get-");
    wait_pane("get-random-password");
    line("get-secret");
    wait_pane("(needs --secret-id)");
    // An option prefix shows the options with their documentation.
    line("--sec");
    wait_pane("--secret-id (string) [required]");
    line("--secret-id prompt/db");
    wait_pane("(empty line runs)");
    line("");
    common::wait_for(std::time::Duration::from_secs(10), "the command to finish", || done.exists().then_some(()));
    assert_eq!(std::fs::read_to_string(&done).unwrap().trim(), "0");
    let got: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(got["SecretString"], "from-the-prompt");
}

/// On a terminal, output goes through the pager (`AWS_PAGER`), unless
/// `--no-cli-pager`; off a terminal it never does.
#[test]
fn pager_on_a_terminal() {
    let tmux = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("tmux")).find(|p| p.is_file()));
    let Some(tmux) = tmux else {
        assert!(std::env::var("REKEY_REQUIRE_SERVICES").as_deref() != Ok("1"), "tmux is required in CI");
        return;
    };
    let server = Server::start();
    let session = format!("rekey-pager-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("done");
    let cmd = |extra: &str| {
        format!(
            "AWS_PAGER='sed s/^/PAGED:/' AWS_ACCESS_KEY_ID=a AWS_SECRET_ACCESS_KEY=b AWS_CONFIG_FILE=/dev/null {} secretsmanager list-secrets --endpoint-url {} --region us-east-1 --query 'length(SecretList)' {extra}",
            env!("CARGO_BIN_EXE_rekey"),
            server.url()
        )
    };
    let script =
        format!("{}; {} | cat; {}; touch {}; sleep 30", cmd(""), cmd(""), cmd("--no-cli-pager"), done.display());
    let tm = |args: &[&str]| {
        let o = Command::new(&tmux).args(args).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    tm(&["new-session", "-d", "-s", &session, "-x", "120", "-y", "20", &script]);
    common::wait_for(std::time::Duration::from_secs(10), "the commands", || done.exists().then_some(()));
    let pane = tm(&["capture-pane", "-p", "-t", &session]);
    tm(&["kill-session", "-t", &session]);
    let lines: Vec<&str> = pane.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines, ["PAGED:0", "0", "0"], "{pane}");
}
