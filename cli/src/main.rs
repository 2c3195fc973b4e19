//! `ccai-lro`: inspect, wait on and cancel Contact Center AI Insights operations; run the
//! emulator; see the whole flow with `ccai-lro demo`.

mod args;
mod call;
mod demo;
mod exit;
mod output;
mod wait_many;
mod watch;

use std::process::ExitCode;

use ccai_lro::{
    auth::Credentials,
    insights::InsightsClient,
    json,
    name::{check, ISSUE_MODEL_PATTERN, LOCATION_PATTERN, OPERATION_PATTERN},
    proto::google::cloud::contactcenterinsights::v1,
    Client, ClientBuilder, Error, ListOptions, UntypedOperation,
};
use serde_json::json;

use args::{Cli, Command, IssueModels};
use exit::Failure;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = args::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Emulator(options) => emulator(options).await,
        Command::Demo => demo::run(&cli).await,
        Command::Get { name } => {
            // Names first: a malformed one is the user's input (exit 2) whatever the credentials.
            check(name, OPERATION_PATTERN)?;
            let op = connect(&cli)?.get_operation(name).await?;
            cli.print(&json::operation_to_json(&op));
            Ok(())
        }
        Command::List {
            parent,
            filter,
            page_size,
            limit,
        } => {
            check(parent, LOCATION_PATTERN)?;
            let options = ListOptions::new().filter(filter).page_size(*page_size);
            let pages = connect(&cli)?.list_pages(parent, options);
            output::list(&cli, pages, *limit).await
        }
        Command::Cancel { name } => {
            check(name, OPERATION_PATTERN)?;
            connect(&cli)?.cancel_operation(name).await?;
            cli.print(&json!({}));
            Ok(())
        }
        Command::Wait(w) => {
            let names = wait_many::names(w)?;
            let mut builder = builder(&cli)?;
            if let Some(rps) = w.max_rps {
                builder = builder.max_polls_per_second(rps);
            }
            let client = builder.build()?;
            let [name] = names.as_slice() else {
                if w.cancel_on_interrupt {
                    return Err(Error::InvalidArgument(
                        "--cancel-on-interrupt takes one operation; cancel many with `cancel`"
                            .into(),
                    )
                    .into());
                }
                return wait_many::wait(&cli, client, names, w.timeout).await;
            };
            let policy = match w.timeout {
                Some(t) => client.poll_policy().with_deadline(t),
                None => client.poll_policy(),
            };
            // Not fetched here: the first GetOperation is the wait's first poll, within its
            // deadline and under its Ctrl-C handling.
            let op = UntypedOperation::from_name(client, name)?;
            let how = watch::Watch {
                policy,
                cancel_on_interrupt: w.cancel_on_interrupt,
            };
            watch::wait(&cli, op, how).await
        }
        Command::IssueModels(cmd) => {
            match cmd {
                IssueModels::Create { parent, .. } => check(parent, LOCATION_PATTERN)?,
                IssueModels::Deploy { name, .. }
                | IssueModels::Undeploy { name, .. }
                | IssueModels::Delete { name, .. } => check(name, ISSUE_MODEL_PATTERN)?,
            };
            issue_models(&cli, InsightsClient::new(connect(&cli)?), cmd).await
        }
        Command::Call(call) => call::run(&cli, call).await,
    }
}

/// Builds the client from the global options.
fn connect(cli: &Cli) -> Result<Client, Failure> {
    Ok(builder(cli)?.build()?)
}

/// A client builder from the global options.
fn builder(cli: &Cli) -> Result<ClientBuilder, Failure> {
    let mut builder = Client::builder();
    if let Some(endpoint) = &cli.endpoint {
        builder = builder.endpoint(endpoint);
    }
    if let Some(project) = &cli.quota_project {
        builder = builder.quota_project(project);
    }
    if let Some(file) = &cli.ca_file {
        builder = builder.ca_certificate(read_file("--ca-file", file)?);
    }
    if let (Some(cert), Some(key)) = (&cli.client_cert, &cli.client_key) {
        builder = builder.client_identity(
            read_file("--client-cert", cert)?,
            read_file("--client-key", key)?,
        );
    }
    // A malformed key or token is the user's input: no RPC was made.
    let bad = |e: ccai_lro::auth::AuthError| Error::InvalidArgument(e.to_string());
    if let Some(token) = &cli.access_token {
        builder = builder.credentials(Credentials::access_token(token).map_err(bad)?);
    } else if let Some(key) = &cli.api_key {
        builder = builder.credentials(Credentials::api_key(key).map_err(bad)?);
    }
    Ok(builder)
}

/// A line on stderr that is dropped, not a panic, when stderr is closed: the emulator goes
/// on serving whoever started it with `2>&-` or closed the pipe.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// The bytes of a file named by `flag`; a file that cannot be read is named in the error.
fn read_file(flag: &str, path: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|cause| Failure::Io {
        doing: format!("cannot read {flag} {path}"),
        cause,
    })
}

/// The emulator's TLS settings from its flags; a file that does not parse is named.
fn emulator_tls(options: &args::Emulator) -> Result<Option<ccai_lro_mock::TlsConfig>, Failure> {
    let (Some(cert), Some(key)) = (&options.tls_cert, &options.tls_key) else {
        return Ok(None);
    };
    let client_ca = match &options.tls_client_ca {
        Some(path) => Some(read_file("--tls-client-ca", path)?),
        None => None,
    };
    let config = ccai_lro_mock::TlsConfig::from_pem(
        &read_file("--tls-cert", cert)?,
        &read_file("--tls-key", key)?,
        client_ca.as_deref(),
    )
    .map_err(|e| {
        let files = match &options.tls_client_ca {
            Some(ca) => format!("{cert}, {key} and {ca}"),
            None => format!("{cert} and {key}"),
        };
        Error::InvalidArgument(format!("TLS from {files}: {e}"))
    })?;
    Ok(Some(config))
}

async fn emulator(options: &args::Emulator) -> Result<(), Failure> {
    let listen = &options.listen;
    let tls = emulator_tls(options)?;
    // Before listening: a state that does not load stops the start, and the file is left as is.
    let state = match &options.import {
        Some(path) => Some(
            ccai_lro_mock::SavedState::parse(&String::from_utf8_lossy(&read_file(
                "--import", path,
            )?))
            .map_err(|e| Error::InvalidArgument(format!("--import {path}: {e}")))?,
        ),
        None => None,
    };
    // Warnings always (e.g. accept failing when descriptors run out); request lines, at INFO,
    // with --log.
    let level = if options.log {
        tracing::Level::INFO
    } else {
        tracing::Level::WARN
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_max_level(level)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
    let io = |doing: String| move |cause| Failure::Io { doing, cause };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(io(format!("cannot listen on {listen}")))?;
    let addr = listener
        .local_addr()
        .map_err(io("cannot read the bound address".into()))?;
    // Handlers first: a script may signal us as soon as it reads the address.
    let shutdown = exit::shutdown_signal()?;
    // The first stdout line names the bound address, for scripts that started us on port 0.
    println!("{addr}");
    if !addr.ip().is_loopback() {
        note!(
            "emulator: warning: listening on {addr}, reachable from other machines; the emulator \
             has no authentication"
        );
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    note!(
        "emulator: serving google.longrunning.Operations and Insights, gRPC and REST{}, on {addr}; \
         Ctrl-C or POST /shutdown stops",
        if tls.is_some() { " over TLS" } else { "" }
    );
    note!("export CONTACT_CENTER_INSIGHTS_EMULATOR_HOST={addr}  # for ccai-lro; Google's clients: see --help");
    note!(
        "curl -s {scheme}://{addr}/v1/projects/PROJECT_ID/locations/us-central1/operations/OPERATION_ID"
    );
    let calls = [
        ccai_lro_mock::method::GET_OPERATION,
        ccai_lro_mock::method::LIST_OPERATIONS,
        ccai_lro_mock::method::CANCEL_OPERATION,
    ];
    let mut builder = ccai_lro_mock::MockServer::builder()
        // Nobody can read a process's records: keep none.
        .record_limit(0)
        .track_resources(true)
        .op_duration(options.op_duration)
        .max_operations(options.max_operations)
        .max_connections(options.max_connections)
        .handshake_timeout(options.handshake_timeout)
        .max_concurrent_streams(options.max_concurrent_streams)
        .min_training_conversations(options.min_training_conversations)
        .seed(options.seed);
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    builder = match (&options.storage_dir, &options.storage_emulator_host) {
        (Some(dir), _) => builder.storage_dir(dir),
        (None, Some(host)) if !host.is_empty() => builder.storage_emulator_host(host),
        _ => Ok(builder),
    }
    .map_err(|e| Error::InvalidArgument(format!("emulator: {e}")))?;
    note!("emulator: {}", builder.storage_description());
    if let Some(host) = options
        .pubsub_emulator_host
        .as_deref()
        .filter(|h| !h.is_empty())
    {
        builder = builder
            .pubsub_emulator_host(host)
            .map_err(|e| Error::InvalidArgument(format!("emulator: {e}")))?;
    }
    note!("emulator: {}", builder.pubsub_description());
    if let Some(state) = state {
        builder = builder.state(state);
    }
    if let Some(path) = &options.export_on_exit {
        builder = builder.export_on_exit(path);
    }
    if options.fault_rate > 0.0 {
        for method in calls {
            builder = builder.fail_rate(
                method,
                options.fault_rate,
                [ccai_lro_mock::Fault::Unavailable],
            );
        }
    }
    builder
        .serve(listener, shutdown)
        .await
        .map_err(|e| match e {
            ccai_lro_mock::ServeError::Export { path, source } => Failure::Io {
                doing: format!("--export-on-exit: cannot write {}", path.display()),
                cause: source,
            },
            other => io("emulator".into())(std::io::Error::other(other)),
        })?;
    note!("emulator: stopped");
    Ok(())
}

async fn issue_models(
    cli: &Cli,
    insights: InsightsClient,
    cmd: &IssueModels,
) -> Result<(), Failure> {
    let (raw, wait) = match cmd {
        IssueModels::Create {
            parent,
            display_name,
            medium,
            filter,
            wait,
        } => {
            let medium = v1::conversation::Medium::from_str_name(&medium.to_ascii_uppercase())
                .ok_or_else(|| {
                    Error::InvalidArgument(format!("--medium {medium:?}: use PHONE_CALL or CHAT"))
                })?;
            let request = v1::CreateIssueModelRequest {
                parent: parent.clone(),
                issue_model: Some(v1::IssueModel {
                    display_name: display_name.clone(),
                    input_data_config: Some(v1::issue_model::InputDataConfig {
                        medium: medium as i32,
                        filter: filter.clone().unwrap_or_default(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            };
            (insights.create_issue_model(request).await?.into_raw(), wait)
        }
        IssueModels::Deploy { name, wait } => {
            let req = v1::DeployIssueModelRequest { name: name.clone() };
            (insights.deploy_issue_model(req).await?.into_raw(), wait)
        }
        IssueModels::Undeploy { name, wait } => {
            let req = v1::UndeployIssueModelRequest { name: name.clone() };
            (insights.undeploy_issue_model(req).await?.into_raw(), wait)
        }
        IssueModels::Delete { name, wait } => {
            let req = v1::DeleteIssueModelRequest { name: name.clone() };
            (insights.delete_issue_model(req).await?.into_raw(), wait)
        }
    };
    started(cli, insights.client().clone(), raw, *wait).await
}

/// A just-started operation: waited for with progress (`--wait`), or printed as it stands.
async fn started(
    cli: &Cli,
    client: Client,
    raw: ccai_lro::proto::google::longrunning::Operation,
    wait: bool,
) -> Result<(), Failure> {
    if wait {
        let op = UntypedOperation::new(client, raw);
        let how = watch::Watch {
            policy: op.client().poll_policy(),
            cancel_on_interrupt: false,
        };
        watch::wait(cli, op, how).await
    } else {
        cli.print(&json::operation_to_json(&raw));
        Ok(())
    }
}
