import factory

from tests.factories import AccountFactory, TenantOwnedFactory


class TaskFactory(TenantOwnedFactory):
    class Meta:
        model = "tasks.Task"

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    title = factory.Sequence(lambda n: f"Task {n}")
    due_on = factory.Faker("date_this_year")
