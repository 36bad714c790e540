"""All tables of Terrain; importing this package registers them on SQLModel.metadata."""
from webapp.models.core import (  # noqa: F401
    ROLES,
    Assignment,
    Contract,
    Employee,
    LoginAttempt,
    Structure,
    Team,
    User,
    UserSession,
    Worksite,
    utcnow,
)
from webapp.models.alerts import (  # noqa: F401,E402
    Alert,
    AlertEvent,
    AlertRecipient,
    AlertSetting,
    AlertTypeSetting,
    DeliveryJob,
    PushSubscription,
)
