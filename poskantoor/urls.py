app_name = "poskantoor"

urlpatterns: list = []
