"""Use cases that change users and their roles."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from lantu.accounts.models import ApiToken, Role, RoleAssignment, token_digest
from lantu.accounts.permissions import Actor, clear_cache, user_of
from lantu.accounts.service import Changes, InvalidInput, NotFound, Problem, audit, service
from lantu.orgunits.models import Department
from lantu.orgunits.selectors import resolve_org_unit


def generate_password() -> str:
    """A random password good enough to print once (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


@service("accounts.manage")
def create_user(
    actor: Actor,
    username: str,
    password: str,
    *,
    full_name: str = "",
    email: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    check_password: bool = True,
) -> AbstractUser:
    """Create a login. ``check_password=False`` only for generated demo passwords."""
    user_model = get_user_model()
    problems: list[Problem] = []
    if not username.strip():
        problems.append(Problem("username", "用户名不能为空", "username is empty"))
    elif user_model.objects.filter(username=username).exists():
        problems.append(Problem("username", f"用户名“{username}”已存在", f"username {username!r} is taken"))
    if check_password:
        try:
            # An unsaved user, so the similarity rule compares the password with the name and e-mail.
            validate_password(password, user_model(username=username, email=email, first_name=full_name))
        except ValidationError as exc:
            problems.extend(Problem("password", m, m) for m in exc.messages)
    if problems:
        raise InvalidInput(problems)
    user: AbstractUser = user_model.objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=full_name,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    audit(
        actor,
        "accounts.user.create",
        user,
        after={"username": username, "is_staff": user.is_staff, "is_superuser": is_superuser},
    )
    return user


@service("accounts.manage")
def set_user_password(actor: Actor, username: str, password: str) -> AbstractUser:
    """Replace a user's password (the audit row records that it changed, not the value)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound("用户", username)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput([Problem("password", m, m) for m in exc.messages]) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(actor, "accounts.user.password", user, after={"password": "changed"})
    return user


@service("accounts.manage")
def assign_role(
    actor: Actor,
    username: str,
    role: str,
    *,
    org_unit_code: str | None = None,
    department_code: str | None = None,
) -> RoleAssignment:
    """Give a user a role over an org unit (and its descendants), a department, or everything."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise InvalidInput.one("username", f"用户“{username}”不存在", f"unknown user {username!r}")
    if role not in Role.values:
        raise InvalidInput.one("role", f"未知角色“{role}”", f"unknown role {role!r}")
    if org_unit_code and department_code:
        raise InvalidInput.one("scope", "角色范围只能是区划或部门之一", "scope is a unit or a department, not both")
    unit = None
    department = None
    if org_unit_code:
        try:
            unit = resolve_org_unit(org_unit_code)
        except NotFound as exc:
            raise InvalidInput.one(
                "org_unit", f"未知区划代码“{org_unit_code}”", f"unknown org unit {org_unit_code!r}"
            ) from exc
    if department_code:
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise InvalidInput.one(
                "department", f"未知部门“{department_code}”", f"unknown department {department_code!r}"
            )
    if role in (Role.UNIT_REPORTER,) and unit is None:
        raise InvalidInput.one("org_unit", "地区填报员必须指定区划", "a unit reporter needs an org unit")
    if role in (Role.DEPARTMENT_REPORTER,) and department is None:
        raise InvalidInput.one("department", "部门填报员必须指定部门", "a department reporter needs a department")
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        org_unit=unit,
        department=department,
        granted_by=user_of(actor),
    )
    clear_cache(user)
    audit(
        actor,
        "accounts.role.assign",
        assignment,
        after={"user": username, "role": role, "org_unit": org_unit_code, "department": department_code},
    )
    return assignment


@service("accounts.manage")
def revoke_role(actor: Actor, assignment_id: int, reason: str = "") -> RoleAssignment:
    """End a role assignment; the row stays with its revocation time."""
    updated = RoleAssignment.objects.filter(pk=assignment_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    # Compare-and-set: a second revocation of the same row changes nothing and says so.
    if updated != 1:
        raise NotFound("角色授权", str(assignment_id))
    assignment = RoleAssignment.objects.select_related("user").get(pk=assignment_id)
    clear_cache(assignment.user)
    audit(
        actor,
        "accounts.role.revoke",
        assignment,
        before={"revoked_at": None},
        after={"revoked_at": assignment.revoked_at.isoformat() if assignment.revoked_at else None},
        reason=reason,
    )
    return assignment


@service("accounts.manage")
def update_user(
    actor: Actor, username: str, *, full_name: str, email: str, is_active: bool, is_staff: bool
) -> AbstractUser:
    """Change a user's name, e-mail and flags (deactivate instead of deleting)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound("用户", username)
    changes = Changes()
    changes.set(user, "first_name", full_name)
    changes.set(user, "email", email)
    changes.set(user, "is_active", is_active)
    changes.set(user, "is_staff", is_staff)
    if changes:
        user.save(update_fields=list(changes.after))
        audit(actor, "accounts.user.update", user, before=changes.before, after=changes.after)
    return user


@service("accounts.manage")
def create_api_token(actor: Actor, username: str, name: str) -> tuple[ApiToken, str]:
    """Issue a token for a user; the plain token is returned once and never stored."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidInput.one("username", f"用户“{username}”不存在或已停用", f"unknown or inactive user {username!r}")
    if not name.strip():
        raise InvalidInput.one("name", "令牌名称不能为空", "token name is empty")
    plain = "lantu_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=plain[6:14], key_hash=token_digest(plain))
    audit(actor, "accounts.token.create", token, after={"user": username, "name": name, "prefix": token.prefix})
    return token, plain


@service("accounts.manage")
def revoke_api_token(actor: Actor, token_id: int, reason: str = "") -> ApiToken:
    """Revoke a token at once (compare-and-set, so a second revocation is reported)."""
    if ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now()) != 1:
        raise NotFound("接口令牌", str(token_id))
    token = ApiToken.objects.get(pk=token_id)
    audit(actor, "accounts.token.revoke", token, after={"prefix": token.prefix}, reason=reason)
    return token
