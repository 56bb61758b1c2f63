import factory
from factory.django import DjangoModelFactory

from accounts import services as account_services
from accounts.models import Membership, Role, User, Workspace

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class TenantFactory(DjangoModelFactory):
    """Tenant models guard ``objects``; factories write through Django's default manager instead."""

    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class._default_manager


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkspaceFactory(DjangoModelFactory):
    """A workspace made the way sign-up makes one (owner membership, and whatever listens to its creation)."""

    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, name, owner):
        return account_services.workspace_create(name=name, owner=owner)


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


def owner_of(workspace):
    return (
        Membership.objects.for_workspace(workspace)
        .filter(role=Role.OWNER)
        .select_related("user")
        .first()
        .user
    )
