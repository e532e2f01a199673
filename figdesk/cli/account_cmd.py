"""``figdesk login | logout | whoami``."""

from __future__ import annotations

import argparse
import getpass
import sys

from figdesk.cli import output
from figdesk.core.errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("whoami", help="show the signed-in account and its quota")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_whoami)

    p = sub.add_parser("login", help="store a personal token in the OS keyring for a profile")
    p.add_argument("--token-stdin", action="store_true",
                   help="read the token from standard input instead of asking")
    p.set_defaults(func=cmd_login)

    p = sub.add_parser("logout", help="remove a profile's token from the keyring")
    p.set_defaults(func=cmd_logout)


def cmd_whoami(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args

    client = client_from_args(args)
    account = client.get_account()
    if args.json:
        output.print_json(account.raw)
        return 0
    print(f"{output.clean(account.full_name) or '(no name)'} <{output.clean(account.email)}>")
    print(f"Account:  {account.id}   API: {client.api_url}")
    if account.quota:
        print(f"Quota:    {output.human_size(account.used_quota_private)} of "
              f"{output.human_size(account.quota)} private storage used")
    if account.maximum_file_size:
        print(f"Largest file allowed: {output.human_size(account.maximum_file_size)}")
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    from figdesk.core.api import FigshareClient
    from figdesk.core.credentials import DEFAULT_API_URL, Profile, ProfileStore, TokenStore

    profiles = ProfileStore()
    name = args.profile or "default"
    existing = profiles.get(name)
    api_url = args.api or (existing.api_url if existing else DEFAULT_API_URL)
    if args.token_stdin:
        token = sys.stdin.readline().strip()
    else:
        print("Make a personal token at https://figshare.com/account/applications",
              file=sys.stderr)
        token = getpass.getpass("Personal token: ").strip()
    if not token:
        raise UsageError("No token was given.")
    account = FigshareClient(token, api_url=api_url).get_account()  # proves the token works
    TokenStore().set(name, token)
    profiles.save(Profile(name=name, api_url=api_url))
    profiles.set_last(name)
    print(f"Signed in as {output.clean(account.full_name)} <{output.clean(account.email)}> "
          f"(profile '{name}')")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    from figdesk.core.credentials import ProfileStore, TokenStore

    profiles = ProfileStore()
    name = args.profile or (profiles.last.name if profiles.last else "default")
    TokenStore().delete(name)
    print(f"Signed out of profile '{name}'; its token is removed from the keyring")
    return 0
