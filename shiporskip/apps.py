from django.apps import AppConfig


class ShiporskipConfig(AppConfig):
    name = "shiporskip"
    verbose_name = "ShipOrSkip"
