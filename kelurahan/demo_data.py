"""Fictional sample content for the demo city that `make run` sets up.

Everything here is invented for Kota Surakarta's demo kelurahan. The only placeholder is
"{name}", the kelurahan's name (without the word "Kelurahan").
"""

OFFICIAL_NAMES: tuple[str, ...] = (
    "Agus Prasetyo Wibowo, S.Sos.",
    "Sri Wahyuningsih, S.E.",
    "Bambang Hadi Santoso, S.H.",
    "Endang Purwaningsih, S.Sos.",
    "Dwi Cahyono Nugroho, S.IP.",
    "Retno Kusumawardani, S.AP.",
    "Heru Setyawan, S.T.",
    "Tri Lestari Handayani",
    "Joko Purnomo Adi, S.Kom.",
    "Yuli Astuti Rahayu, S.Pd.",
    "Suparno Hadi Wiyono",
    "Sugeng Raharjo, S.Sos., M.M.",
    "Wahyu Kurniawan Saputro, S.H.",
    "Siti Nurjanah, A.Md.",
    "Eko Budi Santoso, S.E.",
    "Ani Sulistyowati, S.Sos.",
    "Hartono Wibisono, S.IP., M.Si.",
    "Dewi Ratnasari Puspitasari",
    "Slamet Sutarno",
    "Rina Marlina Kusuma, S.Psi.",
    "Teguh Santosa Aji, S.T.",
    "Lilik Sumarni",
    "Dian Permatasari, S.Kom.",
    "Bayu Aji Pamungkas, S.H.",
    "Sutrisno Adi Pranoto, S.Sos.",
    "Nanik Suryaningsih, S.E.",
    "Gunawan Wicaksono, S.STP.",
    "Rini Setyowati, A.Md.",
    "Anton Wijayanto",
    "Sumarsih Widyastuti, S.Pd.",
    "Aris Setyo Nugroho, S.IP.",
    "Wulan Sekar Arum, S.AP.",
    "Priyo Handoko, S.E.",
    "Fitri Nur Hidayati, S.Sos.",
    "Hendro Susilo",
    "Tutik Sriwahyuni",
    "Yoga Adi Nugraha, S.Kom.",
    "Puji Rahayu Ningsih, S.H.",
    "Darmanto Suryo Atmojo",
    "Ratna Dewi Anggraini, S.Psi.",
    "Wisnu Hermawan, S.T.",
    "Kusnadi Wiryo Sumarto",
    "Sekar Ayu Wulandari, S.I.Kom.",
    "Mulyadi Prawiro, S.Sos.",
    "Indah Kartika Sari, S.Ak.",
    "Drs. Haryo Suseno, M.Si.",
)

RW_HEAD_NAMES: tuple[str, ...] = (
    "Sarjono",
    "Mujiyono",
    "Paiman Hadi Sumarto",
    "Suyatno",
    "Ngadiman",
    "Tukiman Atmo Wiyono",
    "Sukardi",
    "Haryanto",
    "Wagiman",
    "Purwanto",
    "Sumadi Prawiro",
    "Darsono",
    "Subagyo",
    "Kasno Wiyono",
    "Suwarno",
    "Bejo Santoso",
    "Sukirno",
    "Jumadi",
    "Parno Utomo",
    "Widarto",
    "Sri Sundari",
    "Suwarni",
    "Rukmini",
    "Sumiyati",
    "Tumini",
    "Sri Hartini",
    "Giyono",
    "Harjono Sastro",
    "Supriyadi",
    "Marwoto",
    "Triyono",
    "Agus Sutanto",
    "Hadi Suwarno",
    "Budi Lestiyono",
)

PROFILE = {
    "history": (
        "Menurut cerita tutur para sesepuh, wilayah yang kini menjadi Kelurahan {name} "
        "dahulu merupakan perkampungan abdi dalem dan petani di pinggiran Kota Surakarta. "
        "Nama {name} diwariskan turun-temurun dari sebutan warga untuk kampung tersebut, "
        "dan hingga kini masih dipakai pada nama kampung, jalan, serta tempat ibadah.\n"
        "\n"
        "Seiring berkembangnya Kota Surakarta, sawah dan pekarangan berangsur berubah menjadi "
        "permukiman padat, pasar, dan sentra usaha rumahan seperti batik, makanan olahan, "
        "dan kerajinan. Pada awal 1980-an, seiring penataan pemerintahan desa secara nasional, "
        "wilayah ini berubah status dari desa menjadi kelurahan yang dipimpin seorang Lurah.\n"
        "\n"
        "Kini Kelurahan {name} terbagi dalam beberapa Rukun Warga (RW) dan Rukun Tetangga (RT) "
        "dengan warga yang beragam latar belakangnya. Semangat gotong royong, guyub rukun, "
        "dan kepedulian antarwarga tetap menjadi ciri kehidupan kampung, dan kini didukung "
        "pelayanan publik yang semakin mudah melalui layanan daring."
    ),
    "vision": (
        "Terwujudnya kelurahan yang tertib, bersih, sejahtera, dan berbudaya melalui "
        "pelayanan publik yang cepat, transparan, dan ramah."
    ),
    "mission": (
        "Meningkatkan kualitas pelayanan administrasi kepada masyarakat yang mudah, cepat, "
        "dan tanpa biaya\n"
        "Mewujudkan lingkungan yang aman, tertib, bersih, dan sehat\n"
        "Mendorong pemberdayaan masyarakat dan pengembangan usaha mikro warga\n"
        "Melestarikan nilai gotong royong serta budaya dan kearifan lokal Surakarta\n"
        "Meningkatkan partisipasi warga dalam perencanaan dan pembangunan kelurahan"
    ),
    "office_hours": (
        "Senin–Kamis 07.30–16.00 WIB\n"
        "Jumat 07.30–11.00 WIB\n"
        "Sabtu, Minggu, dan hari libur nasional tutup"
    ),
}

KARANG_TARUNA = {
    "name_pattern": "Karang Taruna {name}",
    "profile": (
        "Karang Taruna adalah organisasi sosial kepemudaan yang tumbuh dari kesadaran dan "
        "tanggung jawab generasi muda untuk membangun lingkungannya. Beranggotakan pemuda-"
        "pemudi berusia 13 sampai 45 tahun dari seluruh RW, Karang Taruna menjadi wadah "
        "pengembangan diri, kewirausahaan, olahraga, seni budaya, dan kegiatan sosial, "
        "sekaligus mitra kelurahan dalam menangani masalah kesejahteraan sosial di kampung."
    ),
    "vision": (
        "Menjadi wadah pemuda yang kreatif, mandiri, dan peduli sosial demi kampung yang "
        "guyub, maju, dan sejahtera."
    ),
    "mission": (
        "Menghimpun dan membina potensi generasi muda di setiap RW\n"
        "Menumbuhkan jiwa kewirausahaan dan kemandirian ekonomi pemuda\n"
        "Menyelenggarakan kegiatan olahraga, seni, dan budaya yang positif\n"
        "Membantu penanganan masalah sosial bersama pemerintah kelurahan\n"
        "Menjaga kebersihan dan kelestarian lingkungan kampung"
    ),
    "officer_positions": (
        "Ketua",
        "Wakil Ketua",
        "Sekretaris",
        "Bendahara",
        "Seksi Pendidikan dan Pelatihan",
        "Seksi Usaha Ekonomi Produktif",
        "Seksi Kerohanian dan Pembinaan Mental",
        "Seksi Olahraga dan Seni Budaya",
        "Seksi Lingkungan Hidup",
        "Seksi Hubungan Masyarakat dan Kerja Sama",
    ),
    "activities": (
        (
            "Turnamen Futsal Antar-RW",
            "Kompetisi futsal tahunan yang mempertemukan tim pemuda dari setiap RW untuk "
            "mempererat persaudaraan dan menjaring bakat olahraga kampung.",
        ),
        (
            "Pelatihan Desain Grafis dan Pemasaran Daring",
            "Kelas gratis bagi pemuda dan pelaku UMKM untuk membuat konten promosi dan "
            "berjualan melalui lokapasar serta media sosial.",
        ),
        (
            "Donor Darah Rutin",
            "Bekerja sama dengan Palang Merah Indonesia Kota Surakarta, donor darah diadakan "
            "setiap tiga bulan di pendapa kelurahan.",
        ),
        (
            "Bersih Kali dan Penghijauan",
            "Aksi membersihkan saluran air dan bantaran sungai serta menanam pohon peneduh "
            "bersama warga menjelang musim hujan.",
        ),
        (
            "Pentas Seni Malam Tirakatan",
            "Panggung seni pemuda pada malam menjelang 17 Agustus yang menampilkan karawitan, "
            "tari, band, dan teater kampung.",
        ),
        (
            "Bimbingan Belajar Gratis",
            "Pendampingan belajar bagi anak sekolah dasar dan menengah dari keluarga kurang "
            "mampu setiap Selasa dan Kamis sore.",
        ),
    ),
}

ARTICLES: tuple[dict, ...] = (
    {
        "kind": "berita",
        "title": "Posyandu Balita Serentak di Seluruh RW Kelurahan {name}",
        "summary": "Ratusan balita ditimbang dan mendapat vitamin A dalam posyandu serentak.",
        "body": (
            "Kegiatan posyandu balita digelar serentak di seluruh RW Kelurahan {name}. "
            "Kader posyandu bersama bidan puskesmas melakukan penimbangan, pengukuran tinggi "
            "badan, serta pemberian vitamin A dan makanan tambahan bagi balita.\n"
            "\n"
            "Lurah mengapresiasi para kader yang rutin bertugas setiap bulan tanpa pamrih. "
            "Pemantauan tumbuh kembang anak sejak dini menjadi langkah penting untuk mencegah "
            "stunting di lingkungan kampung.\n"
            "\n"
            "Orang tua diimbau membawa buku KIA setiap kali datang ke posyandu agar riwayat "
            "pertumbuhan anak tercatat dengan lengkap."
        ),
        "location": "",
    },
    {
        "kind": "agenda",
        "title": "Kerja Bakti Massal Menjelang Musim Hujan",
        "summary": "Warga diajak membersihkan saluran air dan lingkungan sebelum musim hujan.",
        "body": (
            "Dalam rangka menyambut musim hujan, Pemerintah Kelurahan {name} mengajak seluruh "
            "warga mengikuti kerja bakti massal. Sasaran utama adalah saluran air, gorong-"
            "gorong, dan pekarangan yang berpotensi menjadi sarang nyamuk.\n"
            "\n"
            "Setiap RT diharapkan mengerahkan warganya dan membawa peralatan kebersihan "
            "sendiri. Sampah hasil kerja bakti akan diangkut petugas kebersihan kota."
        ),
        "location": "Seluruh wilayah RW, titik kumpul di halaman kantor kelurahan",
    },
    {
        "kind": "pengumuman",
        "title": "Jadwal Pelayanan Kantor Kelurahan selama Libur Idulfitri",
        "summary": "Pelayanan tatap muka diliburkan, permohonan surat daring tetap dibuka.",
        "body": (
            "Sehubungan dengan libur nasional dan cuti bersama Hari Raya Idulfitri, pelayanan "
            "tatap muka di Kantor Kelurahan {name} ditiadakan sesuai ketetapan pemerintah. "
            "Pelayanan kembali normal pada hari kerja pertama setelah cuti bersama.\n"
            "\n"
            "Selama libur, warga tetap dapat mengajukan permohonan surat melalui situs ini. "
            "Permohonan akan diproses segera setelah pelayanan dibuka kembali.\n"
            "\n"
            "Untuk keadaan darurat seperti pelaporan kematian, warga dapat menghubungi Ketua "
            "RT/RW setempat yang akan berkoordinasi dengan petugas piket kelurahan."
        ),
        "location": "",
    },
    {
        "kind": "agenda",
        "title": "Imunisasi dan Vaksinasi Gratis untuk Anak dan Lansia",
        "summary": "Puskesmas membuka layanan imunisasi anak dan vaksinasi lansia secara gratis.",
        "body": (
            "Bekerja sama dengan puskesmas setempat, Kelurahan {name} menyelenggarakan layanan "
            "imunisasi dasar lengkap bagi anak serta vaksinasi bagi warga lanjut usia.\n"
            "\n"
            "Peserta cukup membawa KTP-el atau Kartu Keluarga, serta buku KIA bagi anak. "
            "Warga yang sedang demam atau kurang sehat dianjurkan memeriksakan diri terlebih "
            "dahulu kepada petugas kesehatan di lokasi."
        ),
        "location": "Aula Kantor Kelurahan {name}",
    },
    {
        "kind": "berita",
        "title": "Musrenbangkel {name} Tetapkan Usulan Prioritas Pembangunan",
        "summary": "Musyawarah perencanaan pembangunan kelurahan menyepakati usulan prioritas.",
        "body": (
            "Musyawarah Perencanaan Pembangunan Kelurahan (Musrenbangkel) {name} dihadiri "
            "perwakilan RT, RW, LPMK, PKK, Karang Taruna, tokoh masyarakat, serta unsur "
            "kecamatan. Forum ini membahas usulan warga yang telah dihimpun dari setiap RW.\n"
            "\n"
            "Usulan yang disepakati antara lain perbaikan saluran drainase, penerangan jalan "
            "kampung, pelatihan keterampilan bagi pemuda, dan penguatan posyandu. Usulan "
            "tersebut akan dibawa ke Musrenbang tingkat kecamatan.\n"
            "\n"
            "Lurah berterima kasih atas partisipasi warga dan berharap usulan yang disusun "
            "benar-benar menjawab kebutuhan kampung."
        ),
        "location": "",
    },
    {
        "kind": "agenda",
        "title": "Lomba Tujuhbelasan Memeriahkan HUT Kemerdekaan RI",
        "summary": "Aneka lomba rakyat untuk anak, remaja, dan dewasa dalam rangka 17 Agustus.",
        "body": (
            "Dalam rangka memperingati Hari Ulang Tahun Kemerdekaan Republik Indonesia, "
            "Kelurahan {name} bersama Karang Taruna menggelar aneka lomba rakyat: balap "
            "karung, makan kerupuk, tarik tambang, panjat pinang, dan lomba kebersihan "
            "kampung antar-RT.\n"
            "\n"
            "Pendaftaran dibuka melalui Ketua RT masing-masing. Pemenang akan diumumkan dan "
            "menerima hadiah pada malam puncak peringatan."
        ),
        "location": "Lapangan Kelurahan {name}",
    },
    {
        "kind": "agenda",
        "title": "Pelatihan UMKM: Kemasan dan Pemasaran Digital",
        "summary": "Pelaku usaha mikro dilatih memperbaiki kemasan dan berjualan secara daring.",
        "body": (
            "Pemerintah Kelurahan {name} mengadakan pelatihan bagi pelaku usaha mikro, kecil, "
            "dan menengah. Materi meliputi desain kemasan yang menarik, foto produk dengan "
            "ponsel, serta cara berjualan di lokapasar dan media sosial.\n"
            "\n"
            "Pelatihan terbuka bagi warga yang memiliki usaha, terutama usaha makanan olahan, "
            "batik, dan kerajinan. Kuota peserta terbatas; daftarkan diri melalui Seksi "
            "Pemberdayaan Masyarakat.\n"
            "\n"
            "Peserta diminta membawa contoh produk dan ponsel masing-masing."
        ),
        "location": "Pendapa Kelurahan {name}",
    },
    {
        "kind": "berita",
        "title": "Bank Sampah Warga Kumpulkan Berton-ton Sampah Terpilah",
        "summary": "Bank sampah di Kelurahan {name} membantu warga menabung dari sampah.",
        "body": (
            "Bank sampah yang dikelola ibu-ibu PKK Kelurahan {name} terus berkembang. Setiap "
            "pekan warga menyetorkan sampah plastik, kertas, dan logam yang telah dipilah "
            "untuk ditimbang dan dicatat sebagai tabungan.\n"
            "\n"
            "Selain mengurangi sampah yang dibuang ke tempat pembuangan akhir, tabungan sampah "
            "dapat dicairkan menjelang hari raya atau tahun ajaran baru. Sampah organik diolah "
            "menjadi kompos untuk kebun gizi kampung.\n"
            "\n"
            "Pengurus mengajak RW yang belum memiliki unit bank sampah untuk bergabung."
        ),
        "location": "",
    },
    {
        "kind": "pengumuman",
        "title": "Surat Keterangan Kini Dapat Diajukan Secara Daring",
        "summary": "Warga dapat mengajukan dan memantau permohonan surat melalui situs kelurahan.",
        "body": (
            "Pemerintah Kelurahan {name} kini membuka pelayanan surat keterangan dan surat "
            "pengantar secara daring melalui situs ini. Warga cukup memilih jenis layanan, "
            "mengisi formulir, dan mengunggah persyaratan.\n"
            "\n"
            "Status permohonan dapat dipantau kapan saja. Seluruh layanan tidak dipungut "
            "biaya; laporkan kepada kelurahan apabila ada pihak yang meminta imbalan."
        ),
        "location": "",
    },
    {
        "kind": "pengumuman",
        "title": "Pemutakhiran Data Kesejahteraan Sosial Warga",
        "summary": "Warga diminta memeriksa dan melaporkan perubahan data kesejahteraan sosial.",
        "body": (
            "Kelurahan {name} tengah melakukan pemutakhiran data kesejahteraan sosial sebagai "
            "dasar penyaluran bantuan sosial agar tepat sasaran.\n"
            "\n"
            "Warga yang merasa layak namun belum terdata, atau yang kondisinya telah berubah, "
            "dapat melapor kepada Ketua RT atau langsung ke Seksi Kesejahteraan Sosial dengan "
            "membawa KTP-el dan Kartu Keluarga."
        ),
        "location": "",
    },
    {
        "kind": "berita",
        "title": "Gerakan PSN untuk Cegah Demam Berdarah",
        "summary": "Kader jumantik memeriksa jentik nyamuk dari rumah ke rumah.",
        "body": (
            "Menyusul meningkatnya kasus demam berdarah di musim pancaroba, kader juru "
            "pemantau jentik (jumantik) Kelurahan {name} bergerak dari rumah ke rumah untuk "
            "memeriksa bak mandi, tempat penampungan air, dan barang bekas.\n"
            "\n"
            "Warga diingatkan menerapkan gerakan 3M Plus: menguras, menutup, dan mendaur ulang "
            "barang bekas, ditambah mencegah gigitan nyamuk. Pemberantasan sarang nyamuk "
            "lebih efektif daripada pengasapan."
        ),
        "location": "",
    },
    {
        "kind": "pengumuman",
        "title": "Pengaktifan Kembali Ronda Malam di Setiap RT",
        "summary": "Siskamling diaktifkan kembali untuk menjaga keamanan lingkungan.",
        "body": (
            "Untuk menjaga keamanan dan ketertiban lingkungan, Pemerintah Kelurahan {name} "
            "bersama Bhabinkamtibmas dan Babinsa mengimbau setiap RT mengaktifkan kembali "
            "sistem keamanan lingkungan (siskamling).\n"
            "\n"
            "Ketua RT diminta menyusun jadwal ronda dan melaporkannya kepada kelurahan. "
            "Warga juga diingatkan untuk mengunci kendaraan dan rumah, serta segera "
            "melaporkan kejadian mencurigakan."
        ),
        "location": "",
    },
    {
        "kind": "agenda",
        "title": "Senam Sehat Lansia dan Pemeriksaan Kesehatan Gratis",
        "summary": "Posyandu lansia mengadakan senam bersama dan cek kesehatan gratis.",
        "body": (
            "Posyandu lansia Kelurahan {name} mengundang warga lanjut usia mengikuti senam "
            "sehat bersama, dilanjutkan pemeriksaan tekanan darah, gula darah, dan kolesterol "
            "oleh petugas puskesmas.\n"
            "\n"
            "Peserta diharapkan memakai pakaian olahraga dan membawa kartu posyandu lansia."
        ),
        "location": "Halaman Kantor Kelurahan {name}",
    },
    {
        "kind": "agenda",
        "title": "Donor Darah Bersama Karang Taruna",
        "summary": "Karang Taruna dan PMI membuka donor darah untuk warga.",
        "body": (
            "Karang Taruna {name} bekerja sama dengan Palang Merah Indonesia Kota Surakarta "
            "menyelenggarakan kegiatan donor darah yang terbuka bagi warga berusia 17 sampai "
            "60 tahun dalam kondisi sehat.\n"
            "\n"
            "Calon pendonor dianjurkan cukup tidur, sarapan, dan tidak dalam pengaruh obat "
            "sebelum mendonorkan darah. Setiap kantong darah sangat berarti bagi sesama."
        ),
        "location": "Pendapa Kelurahan {name}",
    },
    {
        "kind": "berita",
        "title": "Pelatihan Membatik untuk Ibu-Ibu PKK",
        "summary": "Ibu-ibu PKK belajar membatik tulis dan cap sebagai peluang usaha rumahan.",
        "body": (
            "Tim Penggerak PKK Kelurahan {name} menggelar pelatihan membatik tulis dan cap "
            "dengan pendamping perajin batik dari Surakarta. Peserta belajar mulai dari "
            "membuat pola, mencanting, mewarnai, hingga melorod kain.\n"
            "\n"
            "Pelatihan ini diharapkan menumbuhkan usaha rumahan baru sekaligus melestarikan "
            "batik sebagai warisan budaya. Hasil karya peserta rencananya dipamerkan dalam "
            "kegiatan kelurahan mendatang."
        ),
        "location": "",
    },
)
