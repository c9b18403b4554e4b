//! `rekey secretsmanager …` against the real `aws secretsmanager …`
//! (PyPI awscli, version 1), same server, same state: stdout must be
//! byte-identical in json, text and table, once version 1 prints ISO 8601
//! timestamps (`cli_timestamp_format = iso8601`). Errors and exit codes
//! are compared modulo the documented version 1/2 differences (v2's
//! `aws: [ERROR]: ` prefix and exit codes 254/252 for 255/2).

mod common;

use common::{Server, aws_cli};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The docs' rotation function ARN, registered as a built-in rotator.
const DOCS_FN: &str = "arn:aws:lambda:us-west-2:1234566789012:function:MyTestRotationLambda";

struct Pair {
    aws: PathBuf,
    rekey: PathBuf,
    home: tempfile::TempDir,
    url: String,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Pair {
    fn new(aws: PathBuf, server: &Server) -> Pair {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join("config"), "[default]\nregion = us-east-1\ncli_timestamp_format = iso8601\n")
            .unwrap();
        Pair { aws, rekey: PathBuf::from(env!("CARGO_BIN_EXE_rekey")), home, url: server.url() }
    }

    fn run(&self, bin: &Path, args: &[&str]) -> Out {
        let out = Command::new(bin)
            .arg("secretsmanager")
            .args(args)
            .args(["--endpoint-url", &self.url])
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            .env("AWS_CONFIG_FILE", self.home.path().join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.path().join("credentials"))
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_OUTPUT")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env("AWS_PAGER", "")
            .env("TZ", "UTC")
            .current_dir(self.home.path())
            .output()
            .expect("run");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn aws(&self, args: &[&str]) -> Out {
        self.run(&self.aws, args)
    }

    fn rekey(&self, args: &[&str]) -> Out {
        self.run(&self.rekey, args)
    }

    /// Both print the same, successfully, for a read-only command.
    fn same(&self, args: &[&str]) -> String {
        let (a, r) = (self.aws(args), self.rekey(args));
        assert_eq!(a.code, 0, "aws {args:?}: {}", a.stderr);
        assert_eq!(r.code, 0, "rekey {args:?}: {}", r.stderr);
        assert_eq!(r.stdout, a.stdout, "stdout of {args:?}\n--- rekey:\n{}\n--- aws:\n{}", r.stdout, a.stdout);
        r.stdout
    }

    /// `same` in each of json, text and table.
    fn same_everywhere(&self, args: &[&str]) {
        for format in ["json", "text", "table"] {
            let mut with = args.to_vec();
            with.extend(["--output", format]);
            self.same(&with);
        }
    }
}

/// The six random characters ending each secret ARN, masked: two
/// secrets made alike differ only there.
fn without_arn_suffixes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(":secret:") {
        let start = i + ":secret:".len();
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '|' | ',' | ']'))
            .map_or(rest.len(), |e| start + e);
        let token = &rest[..end];
        let masked = match token.rsplit_once('-') {
            Some((head, tail)) if tail.len() == 6 && tail.chars().all(|c| c.is_ascii_alphanumeric()) => {
                format!("{head}-XXXXXX")
            }
            _ => token.to_string(),
        };
        out.push_str(&masked);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Timestamps differ between two secrets made a moment apart.
fn without_timestamps(s: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let is_ts = i + 25 <= s.len()
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 10] == b'T'
            && s[i..].find("+00:00").is_some_and(|end| end <= 26);
        if is_ts {
            let end = i + s[i..].find("+00:00").unwrap() + 6;
            out.push_str("<timestamp>");
            i = end;
        } else {
            out.push(s[i..].chars().next().unwrap());
            i += s[i..].chars().next().unwrap().len_utf8();
        }
    }
    out
}

#[test]
fn read_commands_print_what_the_aws_cli_prints() {
    let Some(aws) = aws_cli() else { return };
    let server = Server::start();
    let p = Pair::new(aws, &server);
    let created = p.rekey(&[
        "create-secret",
        "--name",
        "gold/db",
        "--secret-string",
        r#"{"user":"app","password":"pw"}"#,
        "--description",
        "golden",
        "--tags",
        "Key=team,Value=blue",
        "Key=env,Value=prod",
        "--client-request-token",
        "00000000-0000-4000-8000-000000000001",
    ]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    p.rekey(&[
        "put-secret-value",
        "--secret-id",
        "gold/db",
        "--secret-string",
        "two",
        "--version-stages",
        "AWSCURRENT",
        "STAGED",
        "--client-request-token",
        "00000000-0000-4000-8000-000000000002",
    ]);
    p.rekey(&["create-secret", "--name", "gold/bin", "--secret-binary", "aGVsbG8gd29ybGQ="]);
    for i in 0..5 {
        p.rekey(&["create-secret", "--name", &format!("page-{i}"), "--secret-string", "x"]);
    }
    p.rekey(&["put-resource-policy", "--secret-id", "gold/db", "--resource-policy",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#]);

    for args in [
        &["describe-secret", "--secret-id", "gold/db"][..],
        &["get-secret-value", "--secret-id", "gold/db"],
        &["get-secret-value", "--secret-id", "gold/db", "--version-stage", "AWSPREVIOUS"],
        &["get-secret-value", "--secret-id", "gold/bin"],
        &["list-secret-version-ids", "--secret-id", "gold/db"],
        &["list-secret-version-ids", "--secret-id", "gold/db", "--include-deprecated"],
        &["list-secrets"],
        &["list-secrets", "--filters", "Key=name,Values=page-", "--sort-order", "asc"],
        &["list-secrets", "--filters", r#"[{"Key":"tag-key","Values":["team"]}]"#],
        &["list-secrets", "--include-planned-deletion"],
        // The vendored model (newer than awscli 1's botocore) adds PolicyName.
        &[
            "get-resource-policy",
            "--secret-id",
            "gold/db",
            "--query",
            "{ARN: ARN, Name: Name, ResourcePolicy: ResourcePolicy}",
        ],
        &["batch-get-secret-value", "--secret-id-list", "gold/db", "gold/bin"],
        &["batch-get-secret-value", "--filters", "Key=name,Values=page-"],
        &[
            "validate-resource-policy",
            "--resource-policy",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*"}]}"#,
        ],
        &["get-random-password", "--password-length", "12", "--query", "length(RandomPassword)"],
    ] {
        p.same_everywhere(args);
    }

    // --query: projections, filters, multi-select, functions, in json and text.
    for q in [
        "SecretList[].Name",
        "SecretList[?starts_with(Name, 'page-')].{N: Name, A: ARN} | [0:2]",
        "sort_by(SecretList, &Name)[-1].Name",
        "length(SecretList)",
        "SecretList[0].[Name, ARN]",
        "SecretList[?Tags[?Key=='team']].Tags[]",
    ] {
        for format in ["json", "text"] {
            p.same(&["list-secrets", "--query", q, "--output", format]);
        }
    }
    p.same(&["describe-secret", "--secret-id", "gold/db", "--query", "{Name: Name, Stages: VersionIdsToStages}"]);

    // Pagination: --max-items, --page-size, and the token it prints.
    let first = p.same(&["list-secrets", "--filters", "Key=name,Values=page-", "--max-items", "3", "--page-size", "2"]);
    let token: serde_json::Value = serde_json::from_str(&first).unwrap();
    let token = token["NextToken"].as_str().expect("a resume token").to_string();
    p.same(&[
        "list-secrets",
        "--filters",
        "Key=name,Values=page-",
        "--max-items",
        "3",
        "--page-size",
        "2",
        "--starting-token",
        &token,
    ]);
    p.same(&["list-secrets", "--filters", "Key=name,Values=page-", "--max-items", "2", "--output", "text"]);
    p.same(&["list-secrets", "--filters", "Key=name,Values=page-", "--max-results", "2", "--no-paginate"]);

    // Skeletons: input (ops whose input has no enum, which botocore picks at random,
    // and no member newer than awscli 1's model) and output.
    for op in ["get-secret-value", "rotate-secret", "put-secret-value", "tag-resource", "update-secret-version-stage"] {
        p.same(&[op, "--generate-cli-skeleton"]);
        p.same(&[op, "--generate-cli-skeleton", "input"]);
    }
    // (awscli 1 validates its sample output against the model's limits,
    // which only GetRandomPassword's passes.)
    p.same_everywhere(&["get-random-password", "--generate-cli-skeleton", "output"]);

    // --cli-input-json, from a file, with a command-line override.
    std::fs::write(p.home.path().join("in.json"), r#"{"SecretId": "gold/db", "VersionStage": "AWSPREVIOUS"}"#).unwrap();
    p.same(&["get-secret-value", "--cli-input-json", "file://in.json"]);
    p.same(&["get-secret-value", "--cli-input-json", "file://in.json", "--version-stage", "AWSCURRENT"]);
}

/// Arguments of one write command, for the secret named.
type ArgsFor<'a> = &'a dyn Fn(&str) -> Vec<String>;

#[test]
fn write_commands_print_what_the_aws_cli_prints() {
    let Some(aws) = aws_cli() else { return };
    let server = Server::start_with_config(&format!(
        "[[function]]\narn = \"{DOCS_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n"
    ));
    let p = Pair::new(aws, &server);
    // Each command runs with aws on `aws-…` and with rekey on `rek-…`
    // (same length, so tables line up); rekey's name is then swapped for
    // aws's, and the random ARN suffixes are masked in both.
    // `formats`: table only where no timestamp differs between the two secrets.
    let both = |formats: &[&str], setup: &dyn Fn(&str), args: ArgsFor| {
        for format in formats {
            let (a, r) = (format!("aws-{format}"), format!("rek-{format}"));
            setup(&a);
            setup(&r);
            let with_format = |n: &str| {
                let mut v = args(n);
                v.extend(["--output".into(), format.to_string()]);
                v
            };
            let (aa, ra) = (with_format(&a), with_format(&r));
            let ao = p.aws(&aa.iter().map(String::as_str).collect::<Vec<_>>());
            let ro = p.rekey(&ra.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(ao.code, 0, "aws {aa:?}: {}", ao.stderr);
            assert_eq!(ro.code, 0, "rekey {ra:?}: {}", ro.stderr);
            let normalized = without_arn_suffixes(&ro.stdout.replace(&r, &a));
            assert_eq!(
                without_timestamps(&normalized),
                without_timestamps(&without_arn_suffixes(&ao.stdout)),
                "{ra:?}"
            );
            for n in [&a, &r] {
                p.rekey(&[
                    "remove-regions-from-replication",
                    "--secret-id",
                    n,
                    "--remove-replica-regions",
                    "eu-west-1",
                ]);
                p.rekey(&["delete-secret", "--secret-id", n, "--force-delete-without-recovery"]);
            }
        }
    };
    const T1: &str = "00000000-0000-4000-8000-00000000000a";
    const T2: &str = "00000000-0000-4000-8000-00000000000b";
    let create = |n: &str| {
        let o = p.rekey(&[
            "create-secret",
            "--name",
            n,
            "--secret-string",
            "v",
            "--tags",
            "Key=a,Value=b",
            "--client-request-token",
            T1,
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    };
    let two_versions = |n: &str| {
        create(n);
        p.rekey(&["put-secret-value", "--secret-id", n, "--secret-string", "w", "--client-request-token", T2]);
    };
    let replicated = |n: &str| {
        create(n);
        let o =
            p.rekey(&["replicate-secret-to-regions", "--secret-id", n, "--add-replica-regions", "Region=eu-west-1"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    };
    let rotating = |n: &str| {
        create(n);
        let o = p.rekey(&[
            "rotate-secret",
            "--secret-id",
            n,
            "--rotation-lambda-arn",
            DOCS_FN,
            "--rotation-rules",
            "AutomaticallyAfterDays=30",
            "--no-rotate-immediately",
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    };
    let deleted = |n: &str| {
        create(n);
        p.rekey(&["delete-secret", "--secret-id", n]);
    };
    let none = |_: &str| {};
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let all = ["json", "text", "table"];
    let no_table = ["json", "text"];
    both(&all, &none, &|n| s(&["create-secret", "--name", n, "--secret-string", "v", "--client-request-token", T1]));
    both(&all, &create, &|n| {
        s(&["put-secret-value", "--secret-id", n, "--secret-string", "w", "--client-request-token", T2])
    });
    both(&all, &create, &|n| {
        s(&["put-secret-value", "--secret-id", n, "--secret-binary", "AAEC", "--version-stages", "A", "B"])
            .into_iter()
            .chain(s(&["--client-request-token", T2]))
            .collect()
    });
    both(&all, &create, &|n| s(&["update-secret", "--secret-id", n, "--description", "new"]));
    both(&all, &create, &|n| {
        s(&["update-secret", "--secret-id", n, "--secret-string", "x", "--client-request-token", T2])
    });
    both(&all, &two_versions, &|n| {
        s(&[
            "update-secret-version-stage",
            "--secret-id",
            n,
            "--version-stage",
            "AWSCURRENT",
            "--move-to-version-id",
            T1,
            "--remove-from-version-id",
            T2,
        ])
    });
    both(&all, &create, &|n| s(&["tag-resource", "--secret-id", n, "--tags", "Key=c,Value=d"]));
    both(&all, &create, &|n| s(&["untag-resource", "--secret-id", n, "--tag-keys", "a"]));
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"*","Resource":"*"}]}"#;
    both(&all, &create, &|n| {
        s(&["put-resource-policy", "--secret-id", n, "--resource-policy", policy, "--query", "[ARN, Name]"])
    });
    both(&all, &create, &|n| s(&["delete-resource-policy", "--secret-id", n, "--query", "[ARN, Name]"]));
    both(&no_table, &create, &|n| s(&["delete-secret", "--secret-id", n, "--recovery-window-in-days", "7"]));
    both(&all, &deleted, &|n| s(&["restore-secret", "--secret-id", n]));
    both(&all, &create, &|n| {
        s(&[
            "rotate-secret",
            "--secret-id",
            n,
            "--rotation-lambda-arn",
            DOCS_FN,
            "--rotation-rules",
            "AutomaticallyAfterDays=30,Duration=4h",
            "--client-request-token",
            T2,
        ])
    });
    both(&all, &rotating, &|n| s(&["cancel-rotate-secret", "--secret-id", n]));
    both(&all, &create, &|n| {
        s(&["replicate-secret-to-regions", "--secret-id", n, "--add-replica-regions", "Region=eu-west-1"])
    });
    both(&all, &replicated, &|n| {
        s(&["remove-regions-from-replication", "--secret-id", n, "--remove-replica-regions", "eu-west-1"])
    });
    both(&all, &replicated, &|n| s(&["stop-replication-to-replica", "--secret-id", n, "--region", "eu-west-1"]));
}

#[test]
fn errors_and_exit_codes_follow_version_2() {
    let Some(aws) = aws_cli() else { return };
    let server = Server::start();
    let p = Pair::new(aws, &server);
    // A service error: v1 exits 255, v2 (and rekey) 254; v2 prefixes `aws: [ERROR]: `.
    for args in [
        &["describe-secret", "--secret-id", "missing"][..],
        &["get-secret-value", "--secret-id", "missing", "--version-stage", "NOPE"],
        &["rotate-secret", "--secret-id", "missing"],
        &["create-secret", "--name", "bad name!"],
        // botocore's client-side validation (v1: 255, v2: 252).
        &["describe-secret", "--secret-id", ""],
        &["get-random-password", "--password-length", "0"],
        &["get-secret-value", "--cli-input-json", r#"{"SecretId": "a", "Bogus": 1, "VersionStage": ""}"#],
        &["rotate-secret", "--secret-id", "x", "--rotation-rules", "AutomaticallyAfterDays=0,Nope=1"],
        &["tag-resource", "--secret-id", "x", "--tags", r#"[{"Key": ""}]"#],
    ] {
        let (a, r) = (p.aws(args), p.rekey(args));
        let v2_code = if a.stderr.contains("Parameter validation failed") { 252 } else { 254 };
        assert_eq!(a.code, 255, "{args:?}: {}", a.stderr);
        assert_eq!(r.code, v2_code, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.replace("aws: [ERROR]: ", ""), a.stderr, "{args:?}");
        assert!(r.stdout.is_empty());
    }
    // Usage errors: v1 exits 2 (255 for unknown options), v2 252; the
    // last line names the problem.
    for (args, v1_code, want) in [
        (&["describe-secret"][..], 2, "the following arguments are required: --secret-id"),
        (&["describe-secret", "--secret-id", "a", "--bogus"], 255, "Unknown options: --bogus"),
    ] {
        let (a, r) = (p.aws(args), p.rekey(args));
        assert_eq!(a.code, v1_code, "{args:?}: {}", a.stderr);
        assert_eq!(r.code, 252, "{args:?}: {}", r.stderr);
        let last =
            |e: &str| e.lines().last().unwrap_or_default().replace("aws: error: ", "").replace("aws: [ERROR]: ", "");
        assert_eq!(last(&a.stderr), want);
        assert_eq!(last(&r.stderr), want);
        assert!(r.stderr.lines().last().unwrap().starts_with("aws: [ERROR]: "), "{}", r.stderr);
    }
    // A shorthand error names the parameter, as the aws CLI does.
    let r = p.rekey(&["list-secrets", "--filters", "Key"]);
    assert_eq!(r.code, 252);
    assert!(r.stderr.contains("Error parsing parameter '--filters': Expected: '='"), "{}", r.stderr);
    // Configuration problems: 253.
    let r = p.rekey(&["list-secrets", "--profile", "nope"]);
    assert_eq!(r.code, 253, "{}", r.stderr);
    assert!(r.stderr.contains("The config profile (nope) could not be found"), "{}", r.stderr);
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
