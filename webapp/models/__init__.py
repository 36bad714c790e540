"""All tables of Terrain; importing this package registers them on SQLModel.metadata."""
from webapp.models.accounts import (  # noqa: F401
    ROLES,
    AuditEvent,
    KnownDevice,
    LoginAttempt,
    Passkey,
    Structure,
    User,
    UserSession,
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
from webapp.models.common import utcnow  # noqa: F401
from webapp.models.employees import (  # noqa: F401
    Assignment,
    Contract,
    Employee,
    Team,
    Worksite,
)
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
from webapp.models.followup import (  # noqa: F401,E402
    BARRIER_STATUSES,
    GOAL_STATUSES,
    NEED_RATINGS,
    REVIEW_DECISIONS,
    REVIEW_KINDS,
    Addendum,
    Barrier,
    BarrierSignal,
    BarrierSituation,
    Goal,
    GoalChange,
    Review,
    ReviewAction,
    ReviewContribution,
    ReviewNeed,
    Strength,
    WelcomeCheck,
    WelcomeStep,
    WorkConstraint,
)
from webapp.models.idempotency import IdempotencyKey  # noqa: F401,E402
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
