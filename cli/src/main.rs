//! `ccai-lro`: inspect, wait on and cancel Contact Center AI Insights operations; run the
//! emulator; see the whole flow with `ccai-lro demo`.

mod args;
mod demo;
mod exit;
mod watch;

use std::process::ExitCode;

use ccai_lro::{
    auth::Credentials, insights::InsightsClient, json,
    proto::google::cloud::contactcenterinsights::v1, Client, Error, ListOptions,
};
use clap::Parser;
use futures_util::TryStreamExt;
use serde_json::{json, Value};

use args::{Cli, Command, IssueModels};
use exit::Failure;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Emulator { listen } => return emulator(listen).await,
        Command::Demo => return demo::run(&cli).await,
        _ => {}
    }
    let client = connect(&cli)?;
    match &cli.command {
        Command::Get { name } => {
            let op = client.get_operation(name).await?;
            cli.print(&json::operation_to_json(&op));
        }
        Command::List {
            parent,
            filter,
            page_size,
        } => {
            let options = ListOptions {
                filter: filter.clone(),
                page_size: *page_size,
                ..ListOptions::default()
            };
            let pages: Vec<_> = client.list_pages(parent, options).try_collect().await?;
            let operations: Vec<Value> = pages
                .iter()
                .flat_map(|p| p.operations.iter().map(json::operation_to_json))
                .collect();
            let unreachable: Vec<&String> =
                pages.iter().flat_map(|p| p.unreachable.iter()).collect();
            let mut out = json!({ "operations": operations });
            if !unreachable.is_empty() {
                out["unreachable"] = json!(unreachable);
            }
            cli.print(&out);
        }
        Command::Cancel { name } => {
            client.cancel_operation(name).await?;
            cli.print(&json!({}));
        }
        Command::Wait(w) => {
            // Not `resume`: a finished, failed operation is still printed before exiting 4.
            let raw = client.get_operation(&w.name).await?;
            let op = ccai_lro::UntypedOperation::new(client, raw);
            watch::wait(&cli, op, w).await?;
        }
        Command::IssueModels(cmd) => issue_models(&cli, InsightsClient::new(client), cmd).await?,
        Command::Emulator { .. } | Command::Demo => {}
    }
    Ok(())
}

/// Builds the client from the global options.
fn connect(cli: &Cli) -> Result<Client, Failure> {
    let mut builder = Client::builder();
    if let Some(endpoint) = &cli.endpoint {
        builder = builder.endpoint(endpoint);
    }
    if let Some(project) = &cli.quota_project {
        builder = builder.quota_project(project);
    }
    let bad = |e: ccai_lro::auth::AuthError| Error::InvalidArgument(e.0);
    if let Some(token) = &cli.access_token {
        builder = builder.credentials(Credentials::access_token(token).map_err(bad)?);
    } else if let Some(key) = &cli.api_key {
        builder = builder.credentials(Credentials::api_key(key).map_err(bad)?);
    }
    Ok(builder.build()?)
}

async fn emulator(listen: &str) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::InvalidArgument(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    // Handlers first: a script may signal us as soon as it reads the address.
    let shutdown = exit::shutdown_signal();
    // The first stdout line names the bound address, for scripts that started us on port 0.
    println!("{addr}");
    eprintln!(
        "emulator: serving google.longrunning.Operations and Insights on {addr}; Ctrl-C stops"
    );
    ccai_lro::mock::serve(listener, shutdown)
        .await
        .map_err(|e| Error::InvalidArgument(format!("emulator: {e}")))?;
    eprintln!("emulator: stopped");
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
    if *wait {
        let op = ccai_lro::UntypedOperation::new(insights.client().clone(), raw);
        let args = args::Wait {
            name: op.name().to_owned(),
            timeout: None,
            cancel_on_interrupt: false,
        };
        watch::wait(cli, op, &args).await
    } else {
        cli.print(&json::operation_to_json(&raw));
        Ok(())
    }
}
