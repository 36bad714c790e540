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
