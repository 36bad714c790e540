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
from webapp.models.security import AuditEvent, Passkey  # noqa: F401,E402
from webapp.models.field import (  # noqa: F401
    ATTENDANCE_STATUSES,
    INSTRUCTION_CATEGORIES,
    OBSERVATION_CATEGORIES,
    OBSERVATION_TONES,
    VISIBILITIES,
    Attendance,
    FeedVisit,
    Instruction,
    InstructionAck,
    InstructionTemplate,
    Observation,
    ObservationEmployee,
    Photo,
    ProductionLog,
    ProductionTask,
    TeamBriefing,
)
from webapp.models.skills import (  # noqa: F401
    Attestation,
    LearningSession,
    LearningSessionParticipant,
    LearningSessionSkill,
    LearningSessionTemplate,
    Skill,
    SkillActivity,
    SkillFramework,
    SkillRating,
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
