//! One generic path for every unary RPC: the request is checked and encoded once, then each
//! attempt sends the same bytes with Google's headers and decodes the answer.

use bytes::{Buf, BufMut, Bytes};
use http::uri::PathAndQuery;
use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage, Value};
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

use super::{call::Kind, headers::routing, Client};
use crate::{
    error::Violation,
    rpc::{Method, Rpc},
    Error,
};

impl Client {
    /// Sends one unary RPC of any API whose request implements [`Rpc`]: the routing value is
    /// checked against the method's patterns before any RPC, and the call carries the routing
    /// header, `x-goog-api-client`, the quota project and the client's deadline. Reads are
    /// retried on UNAVAILABLE by the retry policy; writes are sent once (see
    /// [`Client::unary_retried`]).
    ///
    /// ```no_run
    /// # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
    /// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::GetSettingsRequest;
    /// let settings = client
    ///     .unary(GetSettingsRequest { name: "projects/p/locations/us-central1/settings".into() })
    ///     .await?;
    /// println!("{:?}", settings.language_code);
    /// # Ok(()) }
    /// ```
    pub async fn unary<R: Rpc>(&self, request: R) -> Result<R::Response, Error> {
        self.send(&request, Kind::of(R::METHOD, false)).await
    }

    /// [`Client::unary`], retried on UNAVAILABLE whether it reads or writes: for writes you
    /// know to be safe to repeat (an update with a mask, a create with a client-chosen id).
    pub async fn unary_retried<R: Rpc>(&self, request: R) -> Result<R::Response, Error> {
        self.send(&request, Kind::of(R::METHOD, true)).await
    }

    /// Sends `request` as `kind`.
    /// Sends `request` as `kind`. Only the encoding and decoding are typed: the call itself
    /// is one non-generic path for every RPC, so 74 RPCs do not compile 74 copies of the
    /// retry loop and of tonic's call.
    pub(crate) async fn send<R: Rpc>(&self, request: &R, kind: Kind) -> Result<R::Response, Error> {
        let method = R::METHOD;
        let value = request.routing_value();
        method.check(value)?;
        let body = Bytes::from(request.encode_to_vec());
        let answer = self.send_encoded(method, value, body, kind).await?;
        R::Response::decode(answer).map_err(|e| unreadable(method, &e))
    }

    /// A unary RPC built at run time: `request` and the answer are [`DynamicMessage`]s (the
    /// answer of type `response`). The routing value is read from `request` by the method's
    /// field path and checked like [`Client::unary`]'s.
    ///
    /// ```no_run
    /// # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
    /// use ccai_lro::{registry, rpc::insights_method};
    /// let method = insights_method("GetSettings").expect("an Insights RPC");
    /// let service = registry::pool().get_service_by_name(method.service).expect("in the pool");
    /// let rpc = service.methods().find(|m| m.name() == method.name).expect("declared");
    /// let mut request = prost_reflect::DynamicMessage::new(rpc.input());
    /// request.set_field_by_name("name", prost_reflect::Value::String("projects/p/locations/l/settings".into()));
    /// let settings = client.unary_dynamic(method, &request, rpc.output()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn unary_dynamic(
        &self,
        method: &'static Method,
        request: &DynamicMessage,
        response: MessageDescriptor,
    ) -> Result<DynamicMessage, Error> {
        let value = dynamic_routing_value(request, method.routing_field)?;
        method.check(&value)?;
        let body = Bytes::from(request.encode_to_vec());
        let answer = self
            .send_encoded(method, &value, body, Kind::of(method, false))
            .await?;
        DynamicMessage::decode(response, answer).map_err(|e| unreadable(method, &e))
    }

    /// Sends encoded `body` to `method` and returns the answer's bytes.
    async fn send_encoded(
        &self,
        method: &'static Method,
        resource: &str,
        body: Bytes,
        kind: Kind,
    ) -> Result<Bytes, Error> {
        let header = routing(method.routing_field, resource);
        self.call(method, resource, kind, |left| {
            let req = self.request_for(kind, body.clone(), header.clone(), left);
            let mut grpc = tonic::client::Grpc::new(self.transport());
            async move {
                grpc.ready().await.map_err(|e| {
                    tonic::Status::unavailable(format!("the channel was not ready: {e}"))
                })?;
                grpc.unary(req, PathAndQuery::from_static(method.path), Raw)
                    .await
            }
        })
        .await
    }
}

/// An answer that came as gRPC but does not decode as its message: the server broke the
/// protocol.
fn unreadable(method: &Method, e: &prost::DecodeError) -> Error {
    Error::Protocol(Violation::Unreadable {
        method: method.name,
        reason: format!("the answer does not decode as its message: {e}"),
    })
}

impl Kind {
    /// A read is retried; a write only when the caller says so.
    pub(crate) fn of(method: &Method, retry_writes: bool) -> Kind {
        if method.read || retry_writes {
            Kind::Read
        } else {
            Kind::Write
        }
    }
}

/// The string at a dotted field path of a dynamic message (empty when unset).
fn dynamic_routing_value(message: &DynamicMessage, path: &str) -> Result<String, Error> {
    let mut current = std::borrow::Cow::Borrowed(message);
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let desc = current.descriptor();
        let Some(field) = desc.get_field_by_name(part) else {
            return Err(Error::InvalidArgument(format!(
                "{} has no field {part} (routing field {path})",
                desc.full_name()
            )));
        };
        let value = current.get_field(&field).into_owned();
        match (value, parts.peek().is_some()) {
            (Value::Message(m), true) => current = std::borrow::Cow::Owned(m),
            (Value::String(s), false) => return Ok(s),
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "routing field {path} of {} is not a string",
                    message.descriptor().full_name()
                )))
            }
        }
    }
    Ok(String::new())
}

/// Bytes in, bytes out: messages are encoded before the call and decoded after it.
#[derive(Clone, Copy, Debug)]
struct Raw;

impl Codec for Raw {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        crate::codec::buffer_settings()
    }
}

impl Decoder for Raw {
    type Item = Bytes;
    type Error = tonic::Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, tonic::Status> {
        Ok(Some(buf.copy_to_bytes(buf.remaining())))
    }

    fn buffer_settings(&self) -> BufferSettings {
        crate::codec::buffer_settings()
    }
}
