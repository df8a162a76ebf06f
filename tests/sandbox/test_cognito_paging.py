"""ListUsers and ListUsersInGroup pages in the sandbox: found by position (linear in the pool), and correct
while users come and go between pages (see gtops/sandbox/cognito.py, "listing")."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def idp(inprocess_aws: Any) -> Any:
    return boto3.client("cognito-idp", region_name="us-east-1")


def _pool(idp: Any, users: int, group: str | None = None) -> str:
    pool_id = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    if group:
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    for i in range(users):
        name = f"user{i:04d}"
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=name,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        )
        if group and i % 2 == 0:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=group)
    return pool_id


def _pages(call: Any, token: str, **kwargs: Any) -> list[list[str]]:
    pages = []
    while True:
        page = call(**kwargs)
        pages.append([u["Username"] for u in page["Users"]])
        if not page.get(token):
            return pages
        kwargs[token] = page[token]


def test_list_users_pages_cover_the_pool_once_in_a_stable_order(idp: Any) -> None:
    pool_id = _pool(idp, 130)
    pages = _pages(idp.list_users, "PaginationToken", UserPoolId=pool_id, Limit=60)
    assert [len(p) for p in pages] == [60, 60, 10]
    names = [n for p in pages for n in p]
    assert names == [f"user{i:04d}" for i in range(130)]  # each once, in creation order
    again = _pages(idp.list_users, "PaginationToken", UserPoolId=pool_id, Limit=7)
    assert [n for p in again for n in p] == names


def test_list_users_filtered_pages_and_prefix_split_cover_the_pool(idp: Any) -> None:
    pool_id = _pool(idp, 90)
    subs: dict[str, str] = {}
    for page in idp.get_paginator("list_users").paginate(UserPoolId=pool_id):
        for u in page["Users"]:
            subs[u["Username"]] = next(a["Value"] for a in u["Attributes"] if a["Name"] == "sub")
    by_digit: list[str] = []
    for digit in "0123456789abcdef":
        pages = _pages(
            idp.list_users, "PaginationToken", UserPoolId=pool_id, Limit=5, Filter=f'sub ^= "{digit}"'
        )
        got = [n for p in pages for n in p]
        assert all(subs[n].startswith(digit) for n in got)
        by_digit += got
    assert sorted(by_digit) == sorted(subs)  # disjoint chains whose union is the pool
    pages = _pages(
        idp.list_users, "PaginationToken", UserPoolId=pool_id, Limit=4, Filter='email ^= "user001"'
    )
    assert [n for p in pages for n in p] == [f"user{i:04d}" for i in range(10, 20)]


def test_users_deleted_or_added_between_pages(idp: Any) -> None:
    pool_id = _pool(idp, 25)
    first = idp.list_users(UserPoolId=pool_id, Limit=10)
    assert [u["Username"] for u in first["Users"]][-1] == "user0009"
    # the user the token resumes at is deleted: the page starts at the following one
    idp.admin_delete_user(UserPoolId=pool_id, Username="user0010")
    idp.admin_delete_user(UserPoolId=pool_id, Username="user0003")  # already listed: changes nothing
    idp.admin_create_user(UserPoolId=pool_id, Username="late", MessageAction="SUPPRESS")
    rest = _pages(
        idp.list_users,
        "PaginationToken",
        UserPoolId=pool_id,
        Limit=10,
        PaginationToken=first["PaginationToken"],
    )
    names = [n for p in rest for n in p]
    assert names == [f"user{i:04d}" for i in range(11, 25)] + ["late"]


def test_list_users_in_group_pages(idp: Any) -> None:
    pool_id = _pool(idp, 50, group="g")
    pages = _pages(idp.list_users_in_group, "NextToken", UserPoolId=pool_id, GroupName="g", Limit=10)
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [n for p in pages for n in p] == [f"user{i:04d}" for i in range(0, 50, 2)]
    # membership changes between pages: a removed member is not listed, a re-added one keeps its place
    first = idp.list_users_in_group(UserPoolId=pool_id, GroupName="g", Limit=10)
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="user0030", GroupName="g")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="user0031", GroupName="g")
    rest = _pages(
        idp.list_users_in_group,
        "NextToken",
        UserPoolId=pool_id,
        GroupName="g",
        Limit=10,
        NextToken=first["NextToken"],
    )
    names = [n for p in rest for n in p]
    assert "user0030" not in names and "user0031" in names
    assert names == sorted(names)  # still in the pool's order


def test_a_token_is_good_only_for_its_request(idp: Any) -> None:
    pool_id = _pool(idp, 12, group="g")
    token = idp.list_users(UserPoolId=pool_id, Limit=5)["PaginationToken"]
    for kwargs in ({"Filter": 'email ^= "user"'}, {"PaginationToken": "not-a-token"}):
        with pytest.raises(ClientError) as err:
            idp.list_users(UserPoolId=pool_id, Limit=5, **{"PaginationToken": token, **kwargs})
        assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        idp.list_users_in_group(UserPoolId=pool_id, GroupName="g", Limit=5, NextToken=token)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"


def test_a_page_costs_what_it_holds_not_the_pool_before_it(idp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear in N: reading the last page of a pool touches about a page of users, not all of them."""
    from gtops.sandbox import cognito

    pool_id = _pool(idp, 200)
    token = None
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 60}
    for _ in range(3):
        page = idp.list_users(**kwargs)
        token = page["PaginationToken"]
        kwargs["PaginationToken"] = token
    seen = 0
    original = cognito._page

    def counting(positions: list[int], at: dict[int, Any], start: int, limit: int, keep: Any) -> Any:
        nonlocal seen

        def keep_counted(user: Any) -> bool:
            nonlocal seen
            seen += 1
            return keep is None or keep(user)

        return original(positions, at, start, limit, keep_counted)

    monkeypatch.setattr(cognito, "_page", counting)
    last = idp.list_users(**kwargs)
    assert [u["Username"] for u in last["Users"]] == [f"user{i:04d}" for i in range(180, 200)]
    assert seen == 20  # the 20 users on the page, none of the 180 before it
