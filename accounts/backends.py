"""The authentication backend: Django's ModelBackend, with the user's roles read with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection

from dispatch112.roles import remember_roles


class RoleModelBackend(ModelBackend):
    """get_user runs on every request and every console's periodic check of a logged-in user, and
    nearly every one of them asks for the user's roles next (dispatch112.roles): on PostgreSQL both
    come in one query (one round trip fewer on every API call; bench/load.py)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # The last backend that checks passwords: Django's own ModelBackend after it in
            # AUTHENTICATION_BACKENDS only serves sessions from before this one, and must not
            # hash the same wrong password a second time.
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        user = next(iter(get_user_model()._default_manager.raw(_user_with_roles_sql(), [user_id])), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_roles(user, user.role_names)
        return user


def _user_with_roles_sql():
    # Raw SQL: the ORM's annotate(ArrayAgg(...)) spent more time compiling than the query took
    # (py-spy under bench/load.py: 15 % of a loaded process).
    users = get_user_model()
    groups = users._meta.get_field("groups")
    through = groups.remote_field.through._meta
    table, group_table = users._meta.db_table, groups.related_model._meta.db_table
    user_column, group_column = groups.m2m_column_name(), groups.m2m_reverse_name()
    return (
        f'SELECT u.*, ARRAY(SELECT g.name FROM "{group_table}" g JOIN "{through.db_table}" ug ON ug."{group_column}" = g.id '
        f'WHERE ug."{user_column}" = u.id) AS role_names FROM "{table}" u WHERE u.id = %s'
    )
