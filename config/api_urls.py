from rest_framework.routers import DefaultRouter

from accounts.apis import CommissionViewSet, MeViewSet

router = DefaultRouter()
router.register("commissions", CommissionViewSet, basename="commission")
router.register("me", MeViewSet, basename="me")
