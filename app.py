"""Reelstack: the Chalice app. It composes blueprints and event handlers, nothing else."""

# A cold start imports everything below at once: about 90,000 objects, which the cyclic
# garbage collector scanned again and again as they piled up (about 85 ms of a 390 ms
# import, bench/cold_start.py). Import without it, then freeze what was imported (it lives
# as long as the process, and later collections skip it) and collect as usual.
import gc

gc.disable()

from typing import Any

from chalice.app import Chalice, SQSEvent, WebsocketEvent

from chalicelib.auth.account_mail import ACCOUNT_MAIL, send_account_mail
from chalicelib.auth.admin_routes import account_admin_routes
from chalicelib.auth.preference_routes import preference_routes
from chalicelib.auth.routes import auth_routes
from chalicelib.catalog.admin_routes import catalog_admin_routes
from chalicelib.catalog.routes import catalog_routes
from chalicelib.core.batches import BatchResponse, each_message, receive_count
from chalicelib.core.cors import cors_middleware
from chalicelib.core.logs import configure_logging, lambda_context_middleware
from chalicelib.core.routes import platform
from chalicelib.core.settings import get_settings
from chalicelib.movie_requests.fulfilment import tell_requesters
from chalicelib.movie_requests.loop import run_step
from chalicelib.movie_requests.routes import request_routes
from chalicelib.movie_requests.steps import REQUEST_SETTLED
from chalicelib.notify.service import handle_notification, register_notification
from chalicelib.party import routes as party
from chalicelib.playback.account_routes import playback_account_routes
from chalicelib.playback.delivery import BINARY_SEGMENT_TYPES
from chalicelib.playback.routes import playback_routes
from chalicelib.transcode.admin_routes import transcode_admin_routes
from chalicelib.transcode.outcomes import MOVIE_TRANSCODED
from chalicelib.transcode.routes import upload_routes
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from chalicelib.transcode.subtitle_routes import subtitle_routes

settings = get_settings()
configure_logging(settings.log_level)

app = Chalice(app_name="reelstack")
app.experimental_feature_flags.update(["WEBSOCKETS"])  # watch parties (chalicelib/party)
app.api.binary_types.extend(sorted(set(BINARY_SEGMENT_TYPES) - set(app.api.binary_types)))
app.register_middleware(lambda_context_middleware, "all")
app.register_middleware(cors_middleware, "http")
app.register_blueprint(platform)
app.register_blueprint(auth_routes)
app.register_blueprint(account_admin_routes)
app.register_blueprint(catalog_routes)
app.register_blueprint(catalog_admin_routes)
app.register_blueprint(upload_routes)
app.register_blueprint(transcode_admin_routes)
app.register_blueprint(subtitle_routes)
app.register_blueprint(preference_routes)
app.register_blueprint(playback_account_routes)
app.register_blueprint(playback_routes)
app.register_blueprint(request_routes)
app.register_blueprint(party.party_routes)
register_notification(REQUEST_SETTLED, tell_requesters)
register_notification(MOVIE_TRANSCODED, tell_requesters)  # transcode does not know requests
register_notification(ACCOUNT_MAIL, send_account_mail)


@app.on_sqs_message(queue=settings.queues.transcode_jobs, batch_size=10)
def on_upload_notification(event: SQSEvent) -> BatchResponse:
    return each_message(event, lambda record: accept_uploads(record.body))


@app.on_sqs_message(queue=settings.queues.transcode_events, batch_size=10)
def on_transcoder_event(event: SQSEvent) -> BatchResponse:
    return each_message(event, lambda record: handle_transcoder_event(record.body))


@app.on_sqs_message(queue=settings.queues.notifications, batch_size=10)
def on_notification(event: SQSEvent) -> BatchResponse:
    return each_message(event, lambda record: handle_notification(record.body))


@app.on_sqs_message(queue=settings.queues.movie_requests, batch_size=1)
def on_movie_request_step(event: SQSEvent) -> BatchResponse:
    # One message a batch: acquiring a source may take most of a Lambda's 15 minutes.
    return each_message(event, lambda record: run_step(record.body, receive_count(record)))


# Watch parties' WebSocket API. The functions are named as `chalice package` names them.
@app.on_ws_connect()
def websocket_connect(event: WebsocketEvent) -> dict[str, Any]:
    return party.on_connect(event)


@app.on_ws_message()
def websocket_message(event: WebsocketEvent) -> None:
    party.on_message(event)


@app.on_ws_disconnect()
def websocket_disconnect(event: WebsocketEvent) -> None:
    party.on_disconnect(event)


gc.freeze()
gc.enable()
