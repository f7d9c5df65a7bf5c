"""Import every model module, so metadata (migrations, create_all in tests) sees all tables."""

from civicboard.audit.models import AuditEntry  # noqa: F401
from civicboard.auth.models import ApiToken, Department, User, UserRole, UserSession  # noqa: F401
from civicboard.datasets.models import Dataset, Distribution  # noqa: F401
