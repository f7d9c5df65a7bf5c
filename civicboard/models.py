"""Import every model module, so metadata (migrations, create_all in tests) sees all tables."""

from civicboard.audit.models import AuditEntry  # noqa: F401
from civicboard.auth.models import ApiToken, Department, User, UserRole, UserSession  # noqa: F401
from civicboard.challenges.models import (  # noqa: F401
    Challenge,
    ChallengeDataset,
    ChallengeProblem,
    Project,
    ProjectInvitation,
    ProjectMember,
    ProjectProblem,
)
from civicboard.datasets.models import CatalogSource, Dataset, Distribution, ImportRun  # noqa: F401
from civicboard.moderation.models import Flag  # noqa: F401
from civicboard.outbox.models import OutboxMessage  # noqa: F401
from civicboard.pages.models import SiteBranding, SitePage  # noqa: F401
from civicboard.places.models import Neighbourhood  # noqa: F401
from civicboard.problems.models import (  # noqa: F401
    AreaFollow,
    Category,
    CategoryDataset,
    Comment,
    CommentRevision,
    Follow,
    Notification,
    NotificationFanout,
    NotificationSetting,
    Photo,
    Problem,
    ProblemDataset,
    Vote,
)
from civicboard.staff.models import Evidence, Response  # noqa: F401
from civicboard.staff.reopen import ReopenRequest  # noqa: F401
