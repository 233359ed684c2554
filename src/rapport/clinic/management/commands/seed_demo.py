from django.core.management.base import BaseCommand

from rapport.demo import seed_demo


class Command(BaseCommand):
    help = "Seed the demo clinic with synthetic people (idempotent)."

    def handle(self, *args, **options):
        clinic, created = seed_demo()
        if created:
            self.stdout.write(
                f"Seeded {clinic.name} with {clinic.clients.count()} synthetic clients."
            )
        else:
            self.stdout.write(f"{clinic.name} already exists; nothing changed.")
