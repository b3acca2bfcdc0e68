"""Default content a newly provisioned kelurahan or desa starts with.

Copied per kelurahan, then editable.
"""

from dataclasses import dataclass


def _lines(*items: str) -> str:
    """One item per line, the stored form of requirements, procedures and legal bases."""
    return "\n".join(items)


@dataclass(frozen=True, slots=True)
class ServiceDefault:
    slug: str  # lowercase-hyphen, unique within SERVICES, <= 60 chars
    name: str  # Indonesian, e.g. "Surat Keterangan Domisili"
    description: str  # 1-2 Indonesian sentences
    requirements: str  # one requirement per line ("\n"-joined), Indonesian
    procedure: str  # one step per line ("\n"-joined), Indonesian
    service_days: int  # working days, 1..14
    cost: str  # "Gratis" for all
    legal_basis: str  # real Indonesian regulations, one per line


# Legal bases shared by several services.
_ADMINDUK = (
    "Undang-Undang Nomor 23 Tahun 2006 tentang Administrasi Kependudukan "
    "sebagaimana telah diubah dengan Undang-Undang Nomor 24 Tahun 2013"
)
_PERPRES_96_2018 = (
    "Peraturan Presiden Nomor 96 Tahun 2018 tentang Persyaratan dan Tata Cara "
    "Pendaftaran Penduduk dan Pencatatan Sipil"
)
_PERMENDAGRI_108_2019 = (
    "Peraturan Menteri Dalam Negeri Nomor 108 Tahun 2019 tentang Peraturan Pelaksanaan "
    "Peraturan Presiden Nomor 96 Tahun 2018 tentang Persyaratan dan Tata Cara "
    "Pendaftaran Penduduk dan Pencatatan Sipil"
)
_PELAYANAN_PUBLIK = "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik"
_KELURAHAN = "Peraturan Pemerintah Nomor 73 Tahun 2005 tentang Kelurahan"
_DESA = "Undang-Undang Nomor 6 Tahun 2014 tentang Desa"
_PERKAWINAN = (
    "Undang-Undang Nomor 1 Tahun 1974 tentang Perkawinan "
    "sebagaimana telah diubah dengan Undang-Undang Nomor 16 Tahun 2019"
)
_PP_PERKAWINAN = (
    "Peraturan Pemerintah Nomor 9 Tahun 1975 tentang Pelaksanaan "
    "Undang-Undang Nomor 1 Tahun 1974 tentang Perkawinan"
)
_KEPOLISIAN = "Undang-Undang Nomor 2 Tahun 2002 tentang Kepolisian Negara Republik Indonesia"

# Requirements most letters share.
_PENGANTAR_RT_RW = "Surat pengantar dari Ketua RT dan Ketua RW setempat"
_KTP = "Fotokopi KTP-el pemohon"
_KK = "Fotokopi Kartu Keluarga (KK)"

# The usual counter flow of a letter.
_AJUKAN = "Pemohon mengajukan permohonan secara daring atau datang ke loket pelayanan"
_VERIFIKASI = "Petugas memverifikasi kelengkapan dan keabsahan berkas"
_TANDA_TANGAN = "Surat diproses dan ditandatangani Lurah/Kepala Desa atau pejabat yang ditunjuk"
_AMBIL = "Pemohon menerima surat secara daring atau mengambilnya di loket pelayanan"


SERVICES: tuple[ServiceDefault, ...] = (
    ServiceDefault(
        slug="pengantar-ktp-el",
        name="Surat Pengantar KTP Elektronik",
        description=(
            "Surat pengantar untuk perekaman, penerbitan baru, atau penggantian KTP-el yang "
            "hilang atau rusak di Dinas Kependudukan dan Pencatatan Sipil."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KK,
            "Telah berusia 17 tahun, sudah kawin, atau pernah kawin",
            "KTP-el lama yang rusak, atau surat keterangan kehilangan dari kepolisian",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon membawa surat pengantar ke Disdukcapil atau kecamatan untuk perekaman",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PERMENDAGRI_108_2019),
    ),
    ServiceDefault(
        slug="pengantar-kartu-keluarga",
        name="Surat Pengantar Kartu Keluarga",
        description=(
            "Surat pengantar untuk penerbitan Kartu Keluarga baru, penambahan atau "
            "pengurangan anggota keluarga, dan perubahan data dalam Kartu Keluarga."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            "Kartu Keluarga asli yang lama",
            "Fotokopi buku nikah/akta perkawinan (untuk KK baru karena menikah)",
            "Dokumen pendukung perubahan data (akta kelahiran, akta kematian, dan sebagainya)",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon melanjutkan pengurusan Kartu Keluarga ke Disdukcapil",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PERMENDAGRI_108_2019),
    ),
    ServiceDefault(
        slug="keterangan-domisili",
        name="Surat Keterangan Domisili",
        description=(
            "Surat yang menerangkan bahwa pemohon benar bertempat tinggal di wilayah "
            "kelurahan/desa, misalnya untuk keperluan pekerjaan, sekolah, atau perbankan."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KTP,
            _KK,
            "Surat keterangan pindah datang bagi penduduk dari luar daerah (bila ada)",
        ),
        procedure=_lines(_AJUKAN, _VERIFIKASI, _TANDA_TANGAN, _AMBIL),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PELAYANAN_PUBLIK),
    ),
    ServiceDefault(
        slug="keterangan-tidak-mampu",
        name="Surat Keterangan Tidak Mampu (SKTM)",
        description=(
            "Surat yang menerangkan kondisi ekonomi keluarga kurang mampu untuk keperluan "
            "keringanan biaya pendidikan, kesehatan, atau bantuan sosial."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KTP,
            _KK,
            "Keterangan keperluan penggunaan SKTM (sekolah, rumah sakit, dan sebagainya)",
            "Kartu program perlindungan sosial yang dimiliki (bila ada)",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            "Petugas mencocokkan data dengan data terpadu kesejahteraan sosial",
            _TANDA_TANGAN,
            _AMBIL,
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(
            "Undang-Undang Nomor 11 Tahun 2009 tentang Kesejahteraan Sosial",
            "Undang-Undang Nomor 13 Tahun 2011 tentang Penanganan Fakir Miskin",
            _PELAYANAN_PUBLIK,
        ),
    ),
    ServiceDefault(
        slug="keterangan-usaha",
        name="Surat Keterangan Usaha",
        description=(
            "Surat yang menerangkan bahwa pemohon menjalankan usaha di wilayah kelurahan/desa, "
            "antara lain untuk pengajuan kredit usaha atau pendaftaran bantuan UMKM."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KTP,
            _KK,
            "Foto tempat usaha",
            "Keterangan jenis usaha, alamat, dan lama usaha berjalan",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            "Petugas dapat meninjau lokasi usaha bila diperlukan",
            _TANDA_TANGAN,
            _AMBIL,
        ),
        service_days=2,
        cost="Gratis",
        legal_basis=_lines(
            "Undang-Undang Nomor 20 Tahun 2008 tentang Usaha Mikro, Kecil, dan Menengah",
            "Peraturan Pemerintah Nomor 7 Tahun 2021 tentang Kemudahan, Pelindungan, dan "
            "Pemberdayaan Koperasi dan Usaha Mikro, Kecil, dan Menengah",
            _PELAYANAN_PUBLIK,
        ),
    ),
    ServiceDefault(
        slug="keterangan-kelahiran",
        name="Surat Keterangan Kelahiran",
        description=(
            "Surat keterangan kelahiran sebagai syarat pembuatan akta kelahiran, terutama "
            "bagi kelahiran yang tidak ditolong fasilitas kesehatan."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            "Surat keterangan lahir dari bidan, puskesmas, atau rumah sakit (bila ada)",
            "Fotokopi KTP-el kedua orang tua dan Kartu Keluarga",
            "Fotokopi buku nikah/akta perkawinan orang tua",
            "Fotokopi KTP-el dua orang saksi kelahiran",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon melanjutkan pengurusan akta kelahiran ke Disdukcapil",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PERMENDAGRI_108_2019),
    ),
    ServiceDefault(
        slug="keterangan-kematian",
        name="Surat Keterangan Kematian",
        description=(
            "Surat keterangan kematian warga sebagai syarat penerbitan akta kematian dan "
            "pemutakhiran Kartu Keluarga."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            "KTP-el dan Kartu Keluarga almarhum/almarhumah",
            "Surat keterangan kematian dari rumah sakit, puskesmas, atau dokter (bila ada)",
            "Fotokopi KTP-el pelapor dan dua orang saksi",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon melanjutkan pengurusan akta kematian ke Disdukcapil",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PERMENDAGRI_108_2019),
    ),
    ServiceDefault(
        slug="keterangan-umum",
        name="Surat Keterangan Umum (Skuter)",
        description=(
            "Surat keterangan untuk berbagai keperluan yang tidak tercakup layanan lain, "
            "misalnya keterangan penghasilan, kelakuan baik, atau status tempat tinggal."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KTP,
            _KK,
            "Dokumen pendukung sesuai keperluan surat",
        ),
        procedure=_lines(_AJUKAN, _VERIFIKASI, _TANDA_TANGAN, _AMBIL),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_KELURAHAN, _DESA, _PELAYANAN_PUBLIK),
    ),
    ServiceDefault(
        slug="pengantar-pindah",
        name="Surat Pengantar Pindah Penduduk",
        description=(
            "Surat pengantar bagi penduduk yang akan pindah domisili ke luar kelurahan/desa "
            "sebagai dasar penerbitan Surat Keterangan Pindah oleh Disdukcapil."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            "Kartu Keluarga asli dan fotokopi KTP-el anggota keluarga yang pindah",
            "Alamat lengkap tujuan pindah",
            "Alasan pindah",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon melanjutkan pengurusan Surat Keterangan Pindah ke Disdukcapil",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PERMENDAGRI_108_2019),
    ),
    ServiceDefault(
        slug="pengantar-datang",
        name="Surat Pengantar Kedatangan Penduduk",
        description=(
            "Surat pengantar bagi penduduk pindahan yang datang dan menetap di wilayah "
            "kelurahan/desa agar tercatat dalam Kartu Keluarga di alamat baru."
        ),
        requirements=_lines(
            "Surat Keterangan Pindah dari Disdukcapil daerah asal",
            _PENGANTAR_RT_RW,
            "Fotokopi KTP-el yang bersangkutan",
            "Kartu Keluarga yang akan ditumpangi beserta persetujuan kepala keluarga (bila ada)",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon melanjutkan pencatatan kedatangan ke Disdukcapil",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PERMENDAGRI_108_2019),
    ),
    ServiceDefault(
        slug="pengantar-nikah",
        name="Surat Pengantar Nikah (N1–N4)",
        description=(
            "Surat pengantar perkawinan beserta formulir N1 sampai N4 untuk mendaftarkan "
            "pernikahan di Kantor Urusan Agama atau Disdukcapil."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            "Fotokopi KTP-el dan Kartu Keluarga calon pengantin",
            "Fotokopi akta kelahiran atau ijazah terakhir calon pengantin",
            "Fotokopi KTP-el kedua orang tua",
            "Akta cerai atau akta kematian pasangan bagi yang berstatus cerai",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            "Petugas menyiapkan formulir N1 sampai N4 sesuai data pemohon",
            _TANDA_TANGAN,
            "Pemohon mendaftarkan pernikahan ke KUA atau Disdukcapil",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(
            _PERKAWINAN,
            _PP_PERKAWINAN,
            "Peraturan Menteri Agama Nomor 20 Tahun 2019 tentang Pencatatan Pernikahan",
        ),
    ),
    ServiceDefault(
        slug="keterangan-belum-menikah",
        name="Surat Keterangan Belum Menikah",
        description=(
            "Surat yang menerangkan bahwa pemohon belum pernah menikah, misalnya untuk "
            "melamar pekerjaan atau mendaftar pendidikan kedinasan."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KTP,
            _KK,
            "Surat pernyataan belum pernah menikah bermeterai",
        ),
        procedure=_lines(_AJUKAN, _VERIFIKASI, _TANDA_TANGAN, _AMBIL),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_PERKAWINAN, _ADMINDUK, _PELAYANAN_PUBLIK),
    ),
    ServiceDefault(
        slug="keterangan-ahli-waris",
        name="Surat Keterangan Ahli Waris",
        description=(
            "Penyaksian dan penguatan surat pernyataan ahli waris oleh Lurah/Kepala Desa "
            "untuk pengurusan harta peninggalan, seperti balik nama tanah atau tabungan."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            "Surat pernyataan ahli waris bermeterai yang ditandatangani semua ahli waris",
            "Fotokopi akta kematian pewaris",
            "Fotokopi KTP-el dan Kartu Keluarga seluruh ahli waris",
            "Fotokopi KTP-el dua orang saksi",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            "Ahli waris dan saksi hadir untuk penandatanganan di hadapan pejabat",
            _TANDA_TANGAN,
            "Surat diteruskan untuk dikuatkan Camat",
            _AMBIL,
        ),
        service_days=5,
        cost="Gratis",
        legal_basis=_lines(
            "Peraturan Menteri Negara Agraria/Kepala Badan Pertanahan Nasional Nomor 3 "
            "Tahun 1997 tentang Ketentuan Pelaksanaan Peraturan Pemerintah Nomor 24 "
            "Tahun 1997 tentang Pendaftaran Tanah",
            "Kitab Undang-Undang Hukum Perdata",
            "Instruksi Presiden Nomor 1 Tahun 1991 tentang Penyebarluasan Kompilasi Hukum Islam",
        ),
    ),
    ServiceDefault(
        slug="keterangan-beda-nama",
        name="Surat Keterangan Beda Nama",
        description=(
            "Surat yang menerangkan bahwa dua penulisan nama yang berbeda pada dokumen "
            "(misalnya ijazah dan KTP-el) merujuk pada orang yang sama."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KTP,
            _KK,
            "Fotokopi dokumen yang memuat perbedaan penulisan nama",
            "Surat pernyataan beda nama bermeterai",
        ),
        procedure=_lines(_AJUKAN, _VERIFIKASI, _TANDA_TANGAN, _AMBIL),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(_ADMINDUK, _PERPRES_96_2018, _PELAYANAN_PUBLIK),
    ),
    ServiceDefault(
        slug="pengantar-izin-keramaian",
        name="Surat Pengantar Izin Keramaian",
        description=(
            "Surat pengantar untuk mengurus izin keramaian di kepolisian bagi hajatan, "
            "pertunjukan, atau kegiatan warga yang mengumpulkan banyak orang."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            "Fotokopi KTP-el penanggung jawab kegiatan",
            "Keterangan jenis, waktu, tempat, dan perkiraan jumlah peserta kegiatan",
            "Surat pernyataan tidak keberatan dari tetangga sekitar lokasi",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon mengajukan izin keramaian ke Polsek atau Polres setempat",
        ),
        service_days=2,
        cost="Gratis",
        legal_basis=_lines(
            _KEPOLISIAN,
            "Peraturan Pemerintah Nomor 60 Tahun 2017 tentang Tata Cara Perizinan dan "
            "Pengawasan Kegiatan Keramaian Umum, Kegiatan Masyarakat Lainnya, dan "
            "Pemberitahuan Kegiatan Politik",
        ),
    ),
    ServiceDefault(
        slug="pengantar-skck",
        name="Surat Pengantar SKCK",
        description=(
            "Surat pengantar untuk mengurus Surat Keterangan Catatan Kepolisian (SKCK) "
            "di Polsek atau Polres."
        ),
        requirements=_lines(
            _PENGANTAR_RT_RW,
            _KTP,
            _KK,
            "Pas foto berwarna ukuran 4x6 sebanyak 2 lembar",
        ),
        procedure=_lines(
            _AJUKAN,
            _VERIFIKASI,
            _TANDA_TANGAN,
            "Pemohon melanjutkan pengurusan SKCK ke Polsek atau Polres",
        ),
        service_days=1,
        cost="Gratis",
        legal_basis=_lines(
            _KEPOLISIAN,
            "Peraturan Kepala Kepolisian Negara Republik Indonesia Nomor 18 Tahun 2014 "
            "tentang Tata Cara Penerbitan Surat Keterangan Catatan Kepolisian",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class PositionDefault:
    position: str  # Indonesian title
    level: int  # 0 head, 1 sekretaris, 2 kepala seksi/urusan, 3 staff/kewilayahan
    rank: int  # display order, ascending


HEAD_TITLE = {"kelurahan": "Lurah", "desa": "Kepala Desa"}
SECRETARY_TITLE = {"kelurahan": "Sekretaris Kelurahan", "desa": "Sekretaris Desa"}

POSITIONS: dict[str, tuple[PositionDefault, ...]] = {
    # Lurah, sekretaris and seksi as regional regulations following PP 17/2018 set them.
    "kelurahan": (
        PositionDefault(HEAD_TITLE["kelurahan"], 0, 1),
        PositionDefault(SECRETARY_TITLE["kelurahan"], 1, 2),
        PositionDefault("Kepala Seksi Pemerintahan", 2, 3),
        PositionDefault("Kepala Seksi Ketenteraman dan Ketertiban Umum", 2, 4),
        PositionDefault("Kepala Seksi Pemberdayaan Masyarakat", 2, 5),
        PositionDefault("Kepala Seksi Kesejahteraan Sosial", 2, 6),
        PositionDefault("Staf Pelayanan", 3, 7),
        PositionDefault("Staf Administrasi Umum", 3, 8),
    ),
    # Permendagri 84/2015: sekretariat, pelaksana teknis, pelaksana kewilayahan.
    "desa": (
        PositionDefault(HEAD_TITLE["desa"], 0, 1),
        PositionDefault(SECRETARY_TITLE["desa"], 1, 2),
        PositionDefault("Kepala Urusan Tata Usaha dan Umum", 2, 3),
        PositionDefault("Kepala Urusan Keuangan", 2, 4),
        PositionDefault("Kepala Urusan Perencanaan", 2, 5),
        PositionDefault("Kepala Seksi Pemerintahan", 2, 6),
        PositionDefault("Kepala Seksi Kesejahteraan", 2, 7),
        PositionDefault("Kepala Seksi Pelayanan", 2, 8),
        PositionDefault("Kepala Dusun", 3, 9),
    ),
}


def welcome_text(*, kind: str, name: str) -> str:
    """Indonesian welcome paragraph(s) for the home page of a new kelurahan/desa.

    kind is "kelurahan" or "desa"; anything else raises ValueError.
    """
    if kind not in HEAD_TITLE:
        raise ValueError(f"unknown kind {kind!r}; expected 'kelurahan' or 'desa'")
    place = f"{kind.capitalize()} {name}"
    return (
        f"Selamat datang di situs web resmi Pemerintah {place}. "
        f"Di sini warga dapat memperoleh informasi terkini seputar kegiatan, pengumuman, "
        f"dan layanan di {place}. "
        "Ajukan surat keterangan dan surat pengantar secara daring tanpa harus antre di "
        "kantor, lalu pantau prosesnya kapan saja."
    )
