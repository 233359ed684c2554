from django.urls import path

from rapport.matching import views

urlpatterns = [
    path("clients/<int:client_id>/referral/", views.referral_find, name="referral_find"),
    path(
        "clients/<int:client_id>/referral/withdraw/",
        views.referral_withdraw,
        name="referral_withdraw",
    ),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/respond/", views.referral_respond, name="referral_respond"),
    path("referrals/profile/", views.profile_edit, name="matching_profile"),
]
