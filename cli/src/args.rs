//! Command-line syntax.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Inspect and wait on Contact Center AI Insights long-running operations.
#[derive(Debug, Parser)]
#[command(
    name = "ccai-lro",
    version,
    after_help = "Examples:\n  ccai-lro demo\n  ccai-lro get projects/p/locations/us-central1/operations/123\n  \
ccai-lro list projects/p/locations/us-central1 --filter done=false\n  \
ccai-lro wait projects/p/locations/us-central1/operations/123 --timeout 10m\n  \
ccai-lro --endpoint http://127.0.0.1:8080 get projects/p/locations/l/operations/1\n\n\
Exit codes: 0 success, 1 local I/O failure, 2 usage or local error (no RPC made), 3 RPC error or \
a server that broke the protocol, 4 operation failed, 5 timeout, 130 interrupted."
)]
pub struct Cli {
    /// The API endpoint: https://HOST[:PORT], or http://HOST:PORT (or the bare HOST:PORT the
    /// emulator prints) for an emulator, with no credentials.
    #[arg(long, global = true, env = "CCAI_LRO_ENDPOINT")]
    pub endpoint: Option<String>,
    /// An API key, sent as x-goog-api-key.
    #[arg(long, global = true, env = "CCAI_LRO_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// An OAuth2 access token (default for https: Application Default Credentials).
    #[arg(
        long,
        global = true,
        env = "CCAI_LRO_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub access_token: Option<String>,
    /// The project billed for quota (x-goog-user-project).
    #[arg(long, global = true)]
    pub quota_project: Option<String>,
    /// Also trust the CA certificates in FILE (PEM), beside the system's trust store (which
    /// honours SSL_CERT_FILE and SSL_CERT_DIR).
    #[arg(long, global = true, value_name = "FILE", env = "CCAI_LRO_CA_FILE")]
    pub ca_file: Option<String>,
    /// Present the client certificate in FILE (PEM, a chain allowed) to servers that ask for
    /// one (mTLS); with --client-key.
    #[arg(long, global = true, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<String>,
    /// The private key (PEM) of --client-cert.
    #[arg(long, global = true, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<String>,
    /// Print one-line (compact) JSON instead of indented JSON.
    #[arg(long, global = true)]
    pub compact: bool,
    /// Print JSON (the default).
    #[arg(long, global = true, conflicts_with = "text")]
    pub json: bool,
    /// Print one line per operation: name, state, and the result's type or the error.
    #[arg(long, global = true)]
    pub text: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show an operation in whatever state it is (exit 0 even if it failed).
    #[command(
        after_help = "Example:\n  ccai-lro get projects/p/locations/us-central1/operations/123"
    )]
    Get {
        /// projects/{project}/locations/{location}/operations/{operation}
        name: String,
    },
    /// List the operations of a location, following every page.
    #[command(
        after_help = "Example:\n  ccai-lro list projects/p/locations/us-central1 --filter done=true"
    )]
    List {
        /// projects/{project}/locations/{location}
        parent: String,
        /// A filter, e.g. done=true.
        #[arg(long, default_value = "")]
        filter: String,
        /// Operations per page (0: the server's default).
        #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = page_size)]
        page_size: i32,
        /// Stop after N operations (pages are printed as they arrive either way).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Ask the server to cancel an operation.
    #[command(
        after_help = "Example:\n  ccai-lro cancel projects/p/locations/us-central1/operations/123"
    )]
    Cancel {
        /// projects/{project}/locations/{location}/operations/{operation}
        name: String,
    },
    /// Wait for operations and print each as it finishes; the exit code follows the outcomes.
    #[command(
        after_help = "One name: progress on stderr, the operation as JSON at the end. Several (or --names-from): \
one compact JSON line per operation as each finishes, a done/total bar on a terminal; exit 0 if \
all succeeded, 4 if any failed, 5 if --timeout came first (the names still running go to stderr).\n\n\
Examples:\n  ccai-lro wait projects/p/locations/us-central1/operations/123 --timeout 30m\n  \
ccai-lro wait --names-from started.txt --max-rps 5"
    )]
    Wait(Wait),
    /// Serve the emulator, gRPC and REST on one port (first stdout line: the bound host:port).
    #[command(
        after_help = "It serves all 74 Insights RPCs over one store of resources, and \
google.longrunning.Operations; it checks no credentials.\n\n\
Pointing clients at it (HOST:PORT is the first line it prints):\n  \
ccai-lro, and the ccai_lro crate: CONTACT_CENTER_INSIGHTS_EMULATOR_HOST=HOST:PORT, or --endpoint http://HOST:PORT\n  \
Python (google-cloud-contact-center-insights): gRPC: ContactCenterInsightsGrpcTransport(channel=grpc.insecure_channel(\"HOST:PORT\")); \
REST: transport=\"rest\", client_options={\"api_endpoint\": \"http://HOST:PORT\"}; with AnonymousCredentials()\n  \
Node.js (@google-cloud/contact-center-insights): {apiEndpoint: HOST, port: PORT, sslCreds: grpc.credentials.createInsecure()}; \
REST: add fallback: true, protocol: \"http\"\n  \
Rust (google-cloud-contactcenterinsights-v1): .with_endpoint(\"http://HOST:PORT\") and anonymous credentials\n\
Google's own clients do not read CONTACT_CENTER_INSIGHTS_EMULATOR_HOST.\n\n\
Its endpoints: GET /state answers every resource and operation as JSON (what --export-on-exit writes and \
--import reads); POST /reset forgets them all; POST /shutdown stops the process. Methods that read or write \
Cloud Storage or BigQuery (Ingest, Export, Import, bulk upload and download of feedback labels) complete \
with well-formed answers and move no data.\n\n\
Example:\n  ccai-lro emulator --listen 127.0.0.1:0 --op-duration 30s --fault-rate 0.1 --seed 7 --export-on-exit state.json"
    )]
    Emulator(Emulator),
    /// Create an issue model on the embedded emulator, wait with progress, print the result.
    Demo,
    /// Start issue-model operations.
    #[command(subcommand)]
    IssueModels(IssueModels),
    /// Call any of the 74 Insights RPCs with a JSON request; print the answer as JSON.
    #[command(
        after_help = "The request is the REST API's JSON (proto3 JSON; the proto's snake_case names \
work too); a field the request lacks, an unknown RPC or JSON that does not parse exits 2 before \
any RPC. An RPC that starts an operation prints the operation; --wait waits for it.\n\n\
Examples:\n  ccai-lro call --list\n  \
ccai-lro call GetSettings '{\"name\": \"projects/p/locations/us-central1/settings\"}'\n  \
ccai-lro call ListConversations '{\"parent\": \"projects/p/locations/us-central1\", \"pageSize\": 10}'\n  \
echo '{\"parent\": \"projects/p/locations/us-central1\"}' | ccai-lro call CreateIssueModel - --wait"
    )]
    Call(Call),
}

/// The options of the client commands, which `emulator` does not use: its help leaves them out.
const CLIENT_OPTIONS: &[&str] = &[
    "endpoint",
    "api_key",
    "access_token",
    "quota_project",
    "ca_file",
    "client_cert",
    "client_key",
    "compact",
    "json",
    "text",
];

/// The command line, parsed; `--help` of `emulator` lists only what the emulator uses.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let top = Cli::command();
    // A subcommand's own argument of a global's id takes its place there: hidden copies keep
    // the client options out of `emulator --help`.
    let command = Cli::command().mut_subcommand("emulator", |sub| {
        top.get_arguments()
            .filter(|a| CLIENT_OPTIONS.contains(&a.get_id().as_str()))
            .fold(sub, |sub, a| sub.arg(a.clone().global(false).hide(true)))
    });
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `call` options.
#[derive(Debug, Args)]
pub struct Call {
    /// The RPC: its short name (ListConversations) or full name.
    #[arg(required_unless_present = "list")]
    pub method: Option<String>,
    /// The request as JSON, or - to read it from standard input (default: {}).
    #[arg(allow_hyphen_values = true)]
    pub request: Option<String>,
    /// For an RPC that starts an operation: wait for it as `wait` does.
    #[arg(long)]
    pub wait: bool,
    /// Print the RPCs: name, request type, answer type, read or write.
    #[arg(long, conflicts_with_all = ["method", "request", "wait"])]
    pub list: bool,
}

/// `wait` options.
#[derive(Debug, Args)]
pub struct Wait {
    /// projects/{project}/locations/{location}/operations/{operation}, one or more.
    #[arg(required_unless_present = "names_from")]
    pub names: Vec<String>,
    /// Also wait on the names in FILE, one a line (`-`: standard input; blank lines and lines
    /// starting with `#` are skipped).
    #[arg(long, value_name = "FILE")]
    pub names_from: Option<String>,
    /// The poll budget: at most N polling RPCs a second, all operations together.
    #[arg(long, value_name = "N", value_parser = max_rps)]
    pub max_rps: Option<f64>,
    /// Stop waiting after this long, e.g. 90s, 10m, 2h (the operation goes on).
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    pub timeout: Option<Duration>,
    /// On Ctrl-C, cancel the operation instead of just stopping the wait.
    #[arg(long)]
    pub cancel_on_interrupt: bool,
}

/// `emulator` options.
#[derive(Debug, Args)]
pub struct Emulator {
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// How long operations run, e.g. 2s, 90s, 10m.
    #[arg(long, value_parser = duration, default_value = "2s")]
    pub op_duration: Duration,
    /// The fraction (0 to 1) of Operations calls answered UNAVAILABLE, drawn with --seed.
    #[arg(long, value_parser = fraction, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// The seed of the fault draws and of BulkAnalyzeConversations' sampling, so a run can be
    /// repeated.
    #[arg(long, default_value_t = 0x5eed_cca1)]
    pub seed: u64,
    /// Log one line per request on stderr: method, resource, code, latency.
    #[arg(long)]
    pub log: bool,
    /// The most operations held; starting more answers RESOURCE_EXHAUSTED.
    #[arg(long, default_value_t = ccai_lro_mock::limits::DEFAULT_MAX_OPERATIONS)]
    pub max_operations: usize,
    /// The most TCP connections open at once; past it the oldest idle one is closed to make
    /// room, and with none idle further clients wait until one closes.
    #[arg(long, default_value_t = ccai_lro_mock::limits::MAX_CONNECTIONS, value_parser = at_least_one)]
    pub max_connections: usize,
    /// How long a client has, from connecting, to send HTTP/2's preface or an HTTP/1 request
    /// line (its TLS handshake included) before its connection is closed (like 10s).
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub handshake_timeout: Duration,
    /// HTTP/2 streams one connection may have open at once (the SETTINGS it announces), e.g.
    /// 100 as Google's front ends.
    #[arg(long, value_name = "N", default_value_t = ccai_lro_mock::limits::MAX_STREAMS, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_streams: u32,
    /// Start from the state saved in FILE (by --export-on-exit or GET /state): its resources
    /// and operations. A file that does not parse stops the start, naming the place.
    #[arg(long, value_name = "FILE")]
    pub import: Option<String>,
    /// On SIGTERM, Ctrl-C or POST /shutdown, write the state to FILE (atomically: a temporary
    /// file, then a rename), ready for --import.
    #[arg(long, value_name = "FILE")]
    pub export_on_exit: Option<String>,
    /// Serve TLS with the certificate chain in FILE (PEM, the server's certificate first), gRPC
    /// and REST alike; with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<String>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<String>,
    /// Require client certificates signed by the CA in FILE (PEM): mTLS. Needs --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_client_ca: Option<String>,
    /// Read gs://BUCKET/OBJECT from DIR/BUCKET/OBJECT: conversations whose transcript_uri names
    /// an object get its transcript, turn count and duration. Nothing outside DIR is read.
    /// Wins over --storage-emulator-host.
    #[arg(long, value_name = "DIR")]
    pub storage_dir: Option<String>,
    /// Read gs:// objects through the Cloud Storage JSON API of a storage emulator at URL
    /// (http://HOST:PORT or HOST:PORT), as Google's storage clients do with
    /// STORAGE_EMULATOR_HOST, which is read when this is not given.
    #[arg(long, value_name = "URL", env = "STORAGE_EMULATOR_HOST")]
    pub storage_emulator_host: Option<String>,
    /// Publish Insights' notifications (the settings' pubsub_notification_settings) to Google's
    /// Pub/Sub emulator at URL (HOST:PORT or http://HOST:PORT), read from PUBSUB_EMULATOR_HOST
    /// when not given. Either way they are recorded: GET /notifications.
    #[arg(long, value_name = "URL", env = "PUBSUB_EMULATOR_HOST")]
    pub pubsub_emulator_host: Option<String>,
    /// The fewest conversations CreateIssueModel trains on, as the service requires; with
    /// fewer matching, the operation ends FAILED_PRECONDITION. The default, 0, imposes none.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_training_conversations: u32,
}

/// `--max-connections`: a whole number, 1 or more (0 would serve no one).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "{text:?} is not a whole number of 1 or more, like 100"
        )),
    }
}

/// `--fault-rate`: a fraction between 0 and 1.
fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{text:?} is not a fraction between 0 and 1, like 0.1"
        )),
    }
}

/// `issue-models` commands.
#[derive(Debug, Subcommand)]
pub enum IssueModels {
    /// Start CreateIssueModel.
    #[command(
        after_help = "Example:\n  ccai-lro issue-models create projects/p/locations/us-central1 \
--display-name 'Chat topics' --medium CHAT --wait"
    )]
    Create {
        /// projects/{project}/locations/{location}
        parent: String,
        /// The model's display name.
        #[arg(long)]
        display_name: String,
        /// PHONE_CALL or CHAT.
        #[arg(long, default_value = "CHAT")]
        medium: String,
        /// Which conversations to train on.
        #[arg(long)]
        filter: Option<String>,
        /// Wait for the operation to finish.
        #[arg(long)]
        wait: bool,
    },
    /// Start DeployIssueModel.
    Deploy {
        /// projects/{project}/locations/{location}/issueModels/{issue_model}
        name: String,
        /// Wait for the operation to finish.
        #[arg(long)]
        wait: bool,
    },
    /// Start UndeployIssueModel.
    Undeploy {
        /// projects/{project}/locations/{location}/issueModels/{issue_model}
        name: String,
        /// Wait for the operation to finish.
        #[arg(long)]
        wait: bool,
    },
    /// Start DeleteIssueModel.
    Delete {
        /// projects/{project}/locations/{location}/issueModels/{issue_model}
        name: String,
        /// Wait for the operation to finish.
        #[arg(long)]
        wait: bool,
    },
}

/// `--page-size`: 0 or more. Negative numbers reach this parser (rather than clap's "did you
/// mean `-- -1`", which would not work) so the message can say what is allowed.
fn page_size(text: &str) -> Result<i32, String> {
    match text.parse::<i32>() {
        Ok(n) if n >= 0 => Ok(n),
        Ok(n) => Err(format!(
            "{n} is negative: use 0 for the server's default page size, or more"
        )),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// `--max-rps`: a positive number of calls a second.
fn max_rps(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(format!(
            "{text:?} is not a positive number of calls a second, like 5 or 0.5"
        )),
    }
}

/// `--timeout`: a positive duration like 90s, 10m or 2h.
fn duration(text: &str) -> Result<Duration, String> {
    if text.starts_with('-') {
        return Err(format!(
            "{text:?} is negative: give how long to wait, like 90s, 10m or 2h"
        ));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{text:?} is not a duration like 90s, 10m or 2h ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_values_get_a_clear_message() {
        assert!(page_size("-1").unwrap_err().contains("negative"));
        assert_eq!(page_size("0"), Ok(0));
        assert!(duration("-1s").unwrap_err().contains("negative"));
        assert_eq!(duration("90s"), Ok(Duration::from_secs(90)));
        assert!(duration("soon").unwrap_err().contains("90s"));
        assert_eq!(max_rps("2.5"), Ok(2.5));
        for bad in ["0", "-1", "NaN", "inf", "x"] {
            assert!(max_rps(bad).is_err(), "{bad}");
        }
    }
}
