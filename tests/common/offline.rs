//! A client whose channel never connects, for code that needs a handle but never calls the
//! server (decoding, errors, JSON). Shared by `tests/proptests/` and the fuzz targets.

use std::sync::OnceLock;

use ccai_lro::Client;

/// The client; its runtime lives as long as the process.
pub fn client() -> Client {
    static CLIENT: OnceLock<(tokio::runtime::Runtime, Client)> = OnceLock::new();
    let (_, client) = CLIENT.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let client = {
            let _in_runtime = rt.enter();
            let channel =
                tonic::transport::Endpoint::from_static("http://127.0.0.1:1").connect_lazy();
            Client::from_channel(channel)
        };
        (rt, client)
    });
    client.clone()
}
