"""Sign-in, tokens, /users/me, user management and settings that refuse unsafe secrets."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from api_harness import Api
from pydantic import ValidationError

from ecoguard.api.app import create_app
from ecoguard.api.security import create_access_token
from ecoguard.config import Settings

ME = {
    "admin": ("administrator", None, None),
    "analyst": ("provincial_analyst", "650000", "新疆维吾尔自治区"),
    "urumqi": ("prefecture_officer", "650100", "乌鲁木齐市"),
    "karamay": ("prefecture_officer", "650200", "克拉玛依市"),
    "viewer": ("read_only", "650000", "新疆维吾尔自治区"),
    "qiye": ("enterprise", "650200", "克拉玛依市"),
}


def test_login_and_me(api: Api) -> None:
    c = api.client
    r = c.post(
        "/api/v1/login/access-token", data={"username": "urumqi", "password": "ecoguard-urumqi"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    me = c.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": api.user_ids["urumqi"],
        "username": "urumqi",
        "full_name": "乌鲁木齐市局（演示）",
        "role": "prefecture_officer",
        "region_adcode": "650100",
        "region_name": "乌鲁木齐市",
        "enterprise_id": None,
        "is_active": True,
    }


def test_wrong_password_and_unknown_user_are_the_same_400(api: Api) -> None:
    for username, password in (("urumqi", "wrong-password"), ("nobody", "ecoguard-urumqi")):
        r = api.client.post(
            "/api/v1/login/access-token", data={"username": username, "password": password}
        )
        assert r.status_code == 400
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == "incorrect username or password"


@pytest.mark.parametrize("username", list(ME))
def test_me_for_every_role(api: Api, username: str) -> None:
    r = api.client.get("/api/v1/users/me", headers=api.headers(username))
    role, adcode, name = ME[username]
    assert (r.json()["role"], r.json()["region_adcode"], r.json()["region_name"]) == (
        role,
        adcode,
        name,
    )


def test_bad_tokens_are_401_problems(api: Api) -> None:
    c = api.client
    assert c.get("/api/v1/enterprises").status_code == 401
    forged = jwt.encode({"sub": "1", "exp": 4102444800}, "another-secret-" + "y" * 40, "HS256")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    expired = create_access_token(api.settings, api.user_ids["admin"], now=past)
    for token in (forged, expired, "not-a-jwt"):
        r = c.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["status"] == 401


def test_deactivated_user_is_refused(api: Api) -> None:
    admin = api.headers("admin")
    uid = api.user_ids["viewer"]
    r = api.client.patch(f"/api/v1/users/{uid}", headers=admin, json={"is_active": False})
    assert r.status_code == 200
    assert api.client.get("/api/v1/users/me", headers=api.headers("viewer")).status_code == 401


def test_admin_creates_users_with_role_rules(api: Api) -> None:
    c, admin = api.client, api.headers("admin")
    ok = {
        "username": "hami",
        "password": "hami-password",
        "role": "prefecture_officer",
        "region_adcode": "650500",
    }
    r = c.post("/api/v1/users", headers=admin, json=ok)
    assert r.status_code == 201, r.text
    assert r.json()["region_name"] == "哈密市"
    assert "password" not in r.json() and "password_hash" not in r.json()
    r = c.post("/api/v1/users", headers=admin, json=ok)
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "body.username"
    bad = dict(ok, username="prov", region_adcode="650000")
    r = c.post("/api/v1/users", headers=admin, json=bad)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.region_adcode"
    r = c.post("/api/v1/users", headers=admin, json=dict(ok, username="xx1", password="short"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.password"
    # the new officer can sign in and sees only Hami
    r = c.post("/api/v1/login/access-token", data={"username": "hami", "password": "hami-password"})
    token = r.json()["access_token"]
    regions = c.get(
        "/api/v1/regions",
        headers={"Authorization": f"Bearer {token}"},
        params={"level": "prefecture"},
    )
    assert [x["adcode"] for x in regions.json()["items"]] == ["650500"]


@pytest.mark.parametrize("username", ["analyst", "urumqi", "viewer", "qiye"])
def test_only_administrators_manage_users(api: Api, username: str) -> None:
    h = api.headers(username)
    assert api.client.get("/api/v1/users", headers=h).status_code == 403
    assert api.client.get("/api/v1/audit", headers=h).status_code == 403
    body = {
        "username": "zz9",
        "password": "password-1",
        "role": "read_only",
        "region_adcode": "650100",
    }
    assert api.client.post("/api/v1/users", headers=h, json=body).status_code == 403


def test_settings_refuse_unsafe_secrets(tmp_path: object) -> None:
    with pytest.raises(ValidationError, match="well-known default"):
        Settings(jwt_secret="changethis")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(jwt_secret="short-secret")
    with pytest.raises(RuntimeError, match="ECOGUARD_JWT_SECRET is not set"):
        create_app(Settings(database_url="sqlite://"))
    demo = Settings(database_url="sqlite://", demo=True)
    assert demo.signing_key()  # demo mode may run with the built-in secret
    assert Settings(database_url="postgresql://u@h/db").registry_url.startswith(
        "postgresql+psycopg://"
    )


def test_changing_the_password_revokes_earlier_tokens(api: Api) -> None:
    c = api.client
    form = {"username": "karamay", "password": "ecoguard-karamay"}
    token = c.post("/api/v1/login/access-token", data=form).json()["access_token"]
    old = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/v1/users/me", headers=old).status_code == 200
    uid = api.user_ids["karamay"]
    r = c.patch(
        f"/api/v1/users/{uid}", headers=api.headers("admin"), json={"password": "new-pass-123"}
    )
    assert r.status_code == 200
    assert c.get("/api/v1/users/me", headers=old).status_code == 401
    new = c.post(
        "/api/v1/login/access-token", data={"username": "karamay", "password": "new-pass-123"}
    ).json()["access_token"]
    assert c.get("/api/v1/users/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
