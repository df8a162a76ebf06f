"""Speed-ups for the test process that change no behaviour, only how often the same work is redone.

- typer: gtops's entry point turns its typer app into a click command on every call (about 30 ms). A
  test process runs the entry point hundreds of times, so the command is built once per app.
- botocore: every `boto3.Session` (gtops makes one per run) builds its own data loader, and so parses the
  same service-model JSON again (SageMaker's is 2 MB; about 0.2 s per run). Here all sessions share one
  loader per search path, as all clients of one session already do; and the names events take under
  botocore's standard aliases (a pure function of the name) are worked out once, not per session and
  client.
- moto's Cognito imports the same RSA signing key, from the same file, for every user pool it creates
  (about 0.2 s each). Here that import is made once per key.

Applied once per process (each xdist worker) by the in-process runners and fixtures (`cli()` by
tests/inprocess.run_main, `aws()` by the in-process sandbox and `gtops_here`); a sandbox server or a gtops
process that tests start does all the work as it always does.
"""

from __future__ import annotations

import json
from typing import Any

_installed: set[str] = set()


def cli() -> None:
    if "cli" in _installed:
        return
    _installed.add("cli")
    import typer.main

    built: dict[int, tuple[Any, Any]] = {}
    get_command = typer.main.get_command

    def built_once(app: Any) -> Any:
        if id(app) not in built:
            built[id(app)] = (app, get_command(app))  # the app is kept, so its id is not reused
        return built[id(app)][1]

    typer.main.get_command = built_once


def share_loaders(session_module: Any, loaders_module: Any) -> None:
    """Every botocore session built from now on shares one data loader per search path, so the same service
    models are parsed once per process (modules passed in: awscli brings its own copy of botocore)."""
    loaders: dict[Any, Any] = {}
    create_loader = loaders_module.create_loader

    def shared_loader(search_path_string: Any = None) -> Any:
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    session_module.create_loader = shared_loader


def aws() -> None:
    if "aws" in _installed:
        return
    _installed.add("aws")
    import botocore.loaders
    import botocore.session

    share_loaders(botocore.session, botocore.loaders)

    from botocore import hooks

    aliased: dict[str, str] = {}  # event name -> its name after botocore's standard aliases
    init = hooks.EventAliaser.__init__

    def shared_alias_cache(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
        init(self, event_emitter, event_aliases)
        if self._event_aliases == hooks.EVENT_ALIASES:
            self._alias_name_cache = aliased

    hooks.EventAliaser.__init__ = shared_alias_cache

    from joserfc import jwk
    from moto.cognitoidp import models

    keys: dict[str, Any] = {}
    import_key = jwk.RSAKey.import_key

    class RSAKey:
        """moto.cognitoidp's view of joserfc's RSAKey: the same key data gives the same key."""

        @staticmethod
        def import_key(value: Any, *args: Any, **kwargs: Any) -> Any:
            if not isinstance(value, dict) or args or kwargs:
                return import_key(value, *args, **kwargs)
            text = json.dumps(value, sort_keys=True)
            if text not in keys:
                keys[text] = import_key(value)
            return keys[text]

    class Jwk:
        """joserfc.jwk as moto.cognitoidp.models sees it: the same, but for RSAKey."""

        def __getattr__(self, name: str) -> Any:
            return RSAKey if name == "RSAKey" else getattr(jwk, name)

    models.jwk = Jwk()
