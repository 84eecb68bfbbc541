"""Common Syrian given and family names in Arabic script with their real Latin spellings.

Written for the simulator by hand from general knowledge of Arabic naming (common names are public
knowledge); no list of real victims or other name list was used. Each line is

    Arabic | weight | Latin spelling, Latin spelling, ...            (given names)
    Arabic | article | weight | Latin spelling, ...                  (family names)

- `weight` is a relative frequency: names are drawn with these weights, so a few names (Mohammad,
  Ahmad, Fatima ...) are very common and term-frequency adjustment matters in linkage.
- Latin spellings are listed most common first; a spelling's weight is 1 / rank (1, 1/2, 1/3 ...).
- `article` is `al` when the family name carries the article (Arabic الحمصي, Latin al-Homsi, Al Homsi,
  Alhomsi, Homsi ...); the Arabic column then holds the name without it. `-` means no article.
- Several Arabic names share a Latin spelling on purpose (حسن / حسان: Hassan; علاء / آلاء: Alaa):
  real lists have these collisions.

Arabic orthographic variants (أحمد / احمد, فاطمة / فاطمه, مصطفى / مصطفي, عبد الله / عبدالله) are not
listed: `arabic_variants` derives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MALE_TABLE: Final = """
محمد | 110 | Mohammad, Muhammad, Mohamed, Mohammed, Mhd, Mohamad, Muhammed
أحمد | 45 | Ahmad, Ahmed, Ahmet
محمود | 22 | Mahmoud, Mahmud, Mahmood
علي | 20 | Ali, Aly
خالد | 18 | Khaled, Khalid
عبد الله | 16 | Abdullah, Abdallah, Abd Allah, Abdulla, Abdalla
مصطفى | 14 | Mustafa, Moustafa, Mostafa, Mustapha
حسين | 13 | Hussein, Hussain, Husayn, Hossein
حسن | 12 | Hassan, Hasan
عمر | 12 | Omar, Umar, Omer
إبراهيم | 11 | Ibrahim, Ebrahim, Ibraheem
يوسف | 10 | Youssef, Yousef, Yusuf, Yousif, Youssif
عبد الرحمن | 10 | Abdul Rahman, Abdulrahman, Abd al-Rahman, Abdelrahman, Abd Alrahman, Abdel Rahman
عبد القادر | 7 | Abdul Qader, Abdulkader, Abd al-Qadir, Abdelkader, Abdul Kader
عبد الكريم | 5 | Abdul Karim, Abdulkarim, Abd al-Karim, Abdelkarim
عبد العزيز | 5 | Abdul Aziz, Abdulaziz, Abd al-Aziz, Abdelaziz
عبد الحميد | 4 | Abdul Hamid, Abdulhamid, Abd al-Hamid, Abdelhamid
عبد الرزاق | 3 | Abdul Razzaq, Abdulrazzak, Abd al-Razzaq, Abdelrazak
عبد الباسط | 3 | Abdul Basit, Abdulbaset, Abd al-Basit, Abdelbasset
عبد السلام | 3 | Abdul Salam, Abdulsalam, Abd al-Salam, Abdelsalam
عبد اللطيف | 3 | Abdul Latif, Abdullatif, Abd al-Latif, Abdellatif
عبد الغني | 3 | Abdul Ghani, Abdulghani, Abd al-Ghani
عبد الهادي | 2 | Abdul Hadi, Abdulhadi, Abd al-Hadi
عبد المجيد | 2 | Abdul Majid, Abdulmajeed, Abd al-Majid, Abdelmajid
عبد الناصر | 2 | Abdul Nasser, Abdulnaser, Abd al-Nasir, Abdel Nasser
عبد الوهاب | 2 | Abdul Wahab, Abdulwahab, Abd al-Wahhab
عبد الجليل | 2 | Abdul Jalil, Abduljalil, Abd al-Jalil
عبد المنعم | 1 | Abdul Monem, Abdulmonem, Abd al-Munim
عبد الحكيم | 2 | Abdul Hakim, Abdulhakim, Abd al-Hakim
عبد الإله | 1 | Abdul Ilah, Abdulilah, Abd al-Ilah
ياسر | 6 | Yaser, Yasser, Yasir
وليد | 5 | Walid, Waleed
سامر | 4 | Samer, Samir
سمير | 4 | Samir, Sameer
بلال | 5 | Bilal, Belal
حمزة | 5 | Hamza, Hamzah, Hamzeh
عمار | 5 | Ammar, Amar
أنس | 4 | Anas, Enes
فراس | 4 | Firas, Feras
زياد | 4 | Ziad, Ziyad, Zeyad
فادي | 4 | Fadi, Fady
عماد | 4 | Imad, Emad
جمال | 4 | Jamal, Gamal, Jamaal
أيمن | 4 | Ayman, Aiman, Eyman
مازن | 3 | Mazen, Mazin
رامي | 3 | Rami, Ramy
هاني | 3 | Hani, Hany
غسان | 3 | Ghassan, Ghasan
صالح | 5 | Saleh, Salih
صلاح | 3 | Salah, Salaah
سعيد | 5 | Saeed, Said, Sa'id
عدنان | 4 | Adnan, Adnane
إسماعيل | 5 | Ismail, Ismael, Esmail
سليمان | 5 | Suleiman, Sulaiman, Soliman, Sleiman
داود | 2 | Dawood, Dawoud, Daoud, Dawud
موسى | 4 | Moussa, Musa, Mousa
عيسى | 4 | Issa, Isa, Eissa
يحيى | 4 | Yahya, Yehia, Yahia
زكريا | 3 | Zakaria, Zakariya, Zakariyya
يونس | 3 | Younes, Yunus, Younis
أيوب | 3 | Ayoub, Ayyub, Ayub
إدريس | 2 | Idris, Idrees, Edris
نزار | 2 | Nizar, Nezar
ماهر | 3 | Maher, Mahir
بسام | 3 | Bassam, Basam
هشام | 3 | Hisham, Hesham
أسامة | 4 | Osama, Usama, Ousama
قاسم | 4 | Qasem, Kassem, Qassim, Kasim
جهاد | 3 | Jihad, Jehad
رياض | 3 | Riad, Riyad, Riyadh
نبيل | 3 | Nabil, Nabeel
وائل | 3 | Wael, Wa'il, Wail
طارق | 3 | Tarek, Tariq, Tareq
مجد | 2 | Majd, Magd
ماجد | 3 | Majed, Majid
مؤيد | 2 | Moayad, Muayyad, Mouayad
مهند | 2 | Muhannad, Mohannad, Mohanad
عبيدة | 2 | Obaida, Ubaida, Obeida
حذيفة | 2 | Hudhaifa, Huthaifa, Hozaifa, Houzaifa
معاذ | 3 | Muath, Moaz, Muadh, Mouaz
خليل | 4 | Khalil, Khaleel
جميل | 3 | Jamil, Jameel
كمال | 3 | Kamal, Kamel
عادل | 3 | Adel, Adil
فواز | 2 | Fawaz, Fawwaz
فيصل | 3 | Faisal, Faysal, Fayssal
فهد | 2 | Fahd, Fahed
سامي | 3 | Sami, Samy
سالم | 3 | Salem
سليم | 2 | Salim, Saleem, Selim
شادي | 2 | Shadi, Shady
طه | 3 | Taha, Tahaa
ياسين | 3 | Yassin, Yasin, Yaseen
حامد | 2 | Hamed, Hamid
حميد | 2 | Hamid, Humaid, Hameed
راشد | 2 | Rashed, Rashid
ربيع | 2 | Rabie, Rabee, Rabi
رضوان | 2 | Radwan, Ridwan, Redwan
صفوان | 2 | Safwan, Safouan
مروان | 3 | Marwan, Merwan
حازم | 2 | Hazem, Hazim
غيث | 2 | Ghaith, Ghayth, Ghaeth
ليث | 2 | Laith, Layth, Leith
منير | 2 | Mounir, Munir, Moneer
محسن | 2 | Mohsen, Muhsin
عثمان | 4 | Othman, Uthman, Osman, Ottman
حمود | 3 | Hammoud, Hamoud, Hamud
حسام | 3 | Hussam, Hossam, Husam
جابر | 2 | Jaber, Jabir
جمعة | 3 | Jumaa, Jomaa, Juma, Jumah
خلف | 3 | Khalaf, Khalef
منصور | 3 | Mansour, Mansur
ناصر | 3 | Nasser, Naser, Nasir
نضال | 2 | Nidal, Nedal
عمران | 2 | Omran, Imran, Emran
قصي | 2 | Qusai, Kusai, Qussay, Kosai
سعد | 3 | Saad, Sa'ad, Saed
سفيان | 2 | Sufyan, Sofian, Sufian
طلال | 2 | Talal, Talaal
تامر | 2 | Tamer, Tamir
وسيم | 2 | Wassim, Wasim, Waseem
يمان | 1 | Yaman, Yamen
زاهر | 2 | Zaher, Zahir
زهير | 2 | Zuhair, Zouhair, Zuheir
أكرم | 2 | Akram, Ekrem
عامر | 3 | Amer, Aamer
أنور | 2 | Anwar, Anwer, Enwer
بكر | 2 | Bakr, Bakir, Baker
ذياب | 2 | Diab, Dhiab, Thiab, Deyab
فارس | 3 | Fares, Faris
فتحي | 2 | Fathi, Fathy, Fatehi
فؤاد | 2 | Fouad, Fuad, Fuaad
غازي | 2 | Ghazi, Ghazy
حبيب | 2 | Habib, Habeeb
هيثم | 2 | Haitham, Haytham, Heitham
إحسان | 1 | Ihsan, Ehsan
جلال | 2 | Jalal, Galal
كريم | 2 | Karim, Kareem
لؤي | 2 | Louay, Luai, Loai, Lu'ay
مهدي | 2 | Mahdi, Mehdi
مالك | 2 | Malek, Malik
مناف | 1 | Manaf, Menaf
معاوية | 1 | Muawiya, Moawia, Mu'awiyah
منذر | 2 | Munzer, Munther, Mondher, Monzer
نواف | 1 | Nawaf, Nawwaf
رائد | 2 | Raed, Ra'ed, Raid
رفيق | 2 | Rafiq, Rafik, Rafeeq
صابر | 2 | Saber, Sabir
صخر | 1 | Sakher, Sakhr
شريف | 2 | Sharif, Cherif, Shareef
صبحي | 2 | Subhi, Sobhi, Sobhy
سهيل | 2 | Suhail, Sohail, Suheil
وسام | 2 | Wissam, Wisam, Wesam
يزن | 2 | Yazan, Yazen
زين | 1 | Zain, Zein, Zayn
زيد | 1 | Zaid, Zeid, Zayd
عبدو | 2 | Abdo, Abdu, Abdou
نور الدين | 2 | Nour al-Din, Nureddin, Nour Eddine, Nuraddin, Nour al-Deen
علاء الدين | 2 | Alaa al-Din, Alaeddin, Alaa Eddine, Alaaldin
صلاح الدين | 1 | Salah al-Din, Salahuddin, Salah Eddine, Salaheddin
محي الدين | 1 | Mohiuddin, Muhyi al-Din, Mohieddine, Mohyeddin
علاء | 2 | Alaa, Ala'a, Alaa'
ضياء | 1 | Diaa, Dhiaa, Diya
أيهم | 2 | Ayham, Aiham
بشير | 2 | Bashir, Basheer, Bachir
رشيد | 2 | Rashid, Rasheed, Rachid
سلمان | 2 | Salman, Selman
كنان | 1 | Kinan, Kenan
مصعب | 2 | Musab, Mosab, Mus'ab
براء | 2 | Baraa, Bara, Al-Baraa
عبادة | 1 | Obada, Ubada, Abada
تيسير | 1 | Taysir, Tayseer, Tiseer
نعيم | 1 | Naim, Naeem, Na'im
شعبان | 2 | Shaaban, Shaban, Chaaban
رمضان | 2 | Ramadan, Ramadhan, Ramazan
حسان | 2 | Hassan, Hassaan, Hasan
عصام | 2 | Issam, Essam, Isam
"""

FEMALE_TABLE: Final = """
فاطمة | 25 | Fatima, Fatma, Fatmeh, Fatemah
خديجة | 10 | Khadija, Khadijeh, Khadijah, Khadiga
مريم | 10 | Maryam, Mariam, Meryem, Mariem
عائشة | 8 | Aisha, Aysha, Aicha, Ayesha
زينب | 8 | Zainab, Zeinab, Zaynab
آمنة | 6 | Amina, Amna, Ameneh, Aminah
سارة | 5 | Sara, Sarah
أسماء | 5 | Asmaa, Asma, Asma'a
هدى | 4 | Huda, Hoda, Houda
نور | 4 | Nour, Noor, Nur
هبة | 4 | Hiba, Heba, Hibah
إيمان | 4 | Iman, Eman, Imane
هالة | 3 | Hala, Halah
رانيا | 3 | Rania, Ranya
رشا | 3 | Rasha, Racha
ريم | 3 | Reem, Rim, Riem
سلمى | 3 | Salma, Selma
سميرة | 3 | Samira, Sameera
ليلى | 3 | Layla, Leila, Laila
حنان | 3 | Hanan, Hanane
وفاء | 3 | Wafaa, Wafa, Wafa'a
سعاد | 3 | Suad, Souad, Su'ad
نادية | 3 | Nadia, Nadya
خولة | 3 | Khawla, Khaoula, Khola
رقية | 3 | Ruqaya, Roukaya, Ruqayya, Rokaya
سمية | 3 | Sumaya, Soumaya, Sumayyah
بشرى | 3 | Bushra, Boushra, Bochra
دعاء | 3 | Doaa, Duaa, Do'aa
أمل | 3 | Amal, Amel
منى | 3 | Mona, Muna, Mouna
آية | 3 | Aya, Ayah, Aia
مروة | 3 | Marwa, Marwah
لينا | 2 | Lina, Leena
غادة | 2 | Ghada, Ghadah
نجاح | 2 | Najah, Nagah
سناء | 2 | Sanaa, Sana, Sana'a
حياة | 2 | Hayat, Hayah
آلاء | 2 | Alaa, Ala'a, Aalaa
آيات | 2 | Ayat, Ayaat
رغد | 2 | Raghad, Ragad
رهف | 2 | Rahaf, Rahef
هديل | 2 | Hadeel, Hadil
بيان | 2 | Bayan, Bayane
ياسمين | 2 | Yasmin, Yasmine, Yasmeen
شهد | 2 | Shahad, Shahd
لمى | 2 | Lama, Lamma
جنى | 2 | Jana, Janna
مايا | 1 | Maya, Maia
نسرين | 2 | Nisreen, Nesrin, Nasreen
عبير | 2 | Abeer, Abir
فادية | 1 | Fadia, Fadiya
غالية | 2 | Ghalia, Ghaliya
هند | 2 | Hind, Hend
ابتسام | 2 | Ibtisam, Ebtisam, Ibtissam
جميلة | 2 | Jamila, Jameela, Gamila
كوثر | 2 | Kawthar, Kawsar, Kaouthar
لبنى | 2 | Lubna, Loubna
مها | 2 | Maha, Mahaa
منال | 2 | Manal, Manel
نجوى | 2 | Najwa, Najoua
نوال | 2 | Nawal, Naoual
ريما | 2 | Rima, Reema
صفاء | 2 | Safaa, Safa, Safa'a
سمر | 2 | Samar
وداد | 1 | Widad, Wedad, Ouidad
زهرة | 2 | Zahra, Zahraa, Zohra
علا | 2 | Ola, Oula, Ula
هنادي | 1 | Hanadi, Hanady
نهلة | 1 | Nahla, Nahlah
فاتن | 1 | Fatin, Faten
شيماء | 2 | Shaimaa, Shaima, Chaimae
بتول | 2 | Batoul, Batool, Batul
تغريد | 1 | Taghrid, Taghreed
هيفاء | 1 | Haifa, Haifaa, Hayfa
ندى | 2 | Nada, Nadaa
رزان | 2 | Razan, Razane
ديما | 1 | Dima, Deema
تسنيم | 2 | Tasnim, Tasneem
إسراء | 2 | Israa, Esraa, Isra
رحاب | 1 | Rehab, Rihab
عفاف | 1 | Afaf, Afaaf
حليمة | 2 | Halima, Haleema, Halimeh
وردة | 1 | Warda, Wardeh
"""

FAMILY_TABLE: Final = """
حمصي | al | 4 | Homsi, Hemsi, Humsi
حموي | al | 4 | Hamwi, Hamawi, Hamoui
حلبي | al | 4 | Halabi, Halaby
شامي | al | 3 | Shami, Chami
إدلبي | al | 2 | Idlibi, Edlibi
مصري | al | 3 | Masri, Misri, Masry
كردي | al | 4 | Kurdi, Kurdy, Kordi
تركماني | al | 2 | Turkmani, Torkmani
خطيب | al | 4 | Khatib, Khateeb
حريري | al | 3 | Hariri, Hariry
زعبي | al | 4 | Zoubi, Zu'bi, Zoubie, Zobi
مسالمة | al | 3 | Masalmeh, Masalma, Msalmeh
محاميد | al | 3 | Mahameed, Mhamid, Mahamid
رفاعي | al | 3 | Rifai, Refaai, Rifaei
حسين | al | 5 | Hussein, Hussain
أحمد | al | 5 | Ahmad, Ahmed
علي | al | 5 | Ali, Aly
محمد | al | 5 | Mohammad, Muhammad, Mohamed
حسن | al | 4 | Hassan, Hasan
عبد الله | al | 4 | Abdullah, Abdallah
خليل | al | 3 | Khalil, Khaleel
إبراهيم | al | 3 | Ibrahim, Ebrahim
صالح | al | 3 | Saleh, Salih
عمر | al | 3 | Omar, Umar
عثمان | al | 3 | Othman, Osman
مصطفى | - | 3 | Mustafa, Moustafa
محمود | al | 3 | Mahmoud, Mahmud
عيسى | al | 2 | Issa, Eissa
يوسف | al | 3 | Yousef, Youssef, Yusuf
سليمان | al | 2 | Suleiman, Sleiman
موسى | al | 2 | Moussa, Musa
قاسم | al | 2 | Qasem, Kassem, Qassem
أيوب | al | 2 | Ayoub, Ayyoub
جاسم | al | 3 | Jasem, Jassem, Jasim
خلف | al | 3 | Khalaf, Khalef
حمد | al | 3 | Hamad
حمدان | al | 2 | Hamdan, Hamadan
سالم | al | 2 | Salem
سلطان | al | 2 | Sultan, Soltan
غانم | al | 2 | Ghanem, Ghanim
عبيد | al | 2 | Obeid, Ubaid, Obaid
هلال | al | 2 | Hilal, Helal
عواد | al | 2 | Awad, Awwad, Aouad
حميد | al | 2 | Hamid, Hameed
جابر | al | 2 | Jaber, Jabir
حمود | al | 2 | Hammoud, Hamoud
حميدي | al | 2 | Hmeidi, Humaidi, Hamidi
ظاهر | al | 2 | Daher, Zaher, Dhaher
ناصر | al | 2 | Nasser, Naser
عبد الرحمن | al | 2 | Abdulrahman, Abdul Rahman
أسود | al | 2 | Aswad
شيخ | al | 3 | Sheikh, Cheikh, Shaikh
حاج | al | 3 | Hajj, Haj, Hadj
حجي | al | 2 | Hajji, Haji
نجار | al | 3 | Najjar, Najar
صباغ | al | 2 | Sabbagh, Sabagh
حلاق | al | 2 | Hallaq, Hallak
خياط | al | 2 | Khayyat, Khayat
عقاد | al | 2 | Akkad, Aqqad
عطار | al | 2 | Attar, Atar
دباغ | al | 2 | Dabbagh, Dabagh
جندي | al | 2 | Jundi, Jendi, Joundi
طيب | al | 2 | Tayeb, Tayyib, Taib
سيد | al | 2 | Sayed, Sayyid, Said
هاشمي | al | 2 | Hashimi, Hashemi
قصاب | al | 2 | Qassab, Kassab, Qasab
خولي | al | 2 | Khouli, Khuli
بيطار | al | 2 | Bitar, Baytar, Bitaar
شعار | al | 2 | Shaar, Sha'ar, Chaar
نحاس | al | 2 | Nahhas, Nahas
شريف | al | 2 | Sharif, Shareef
عظم | al | 1 | Azm, Azem
أتاسي | al | 1 | Atassi, Atasi
جابري | al | 1 | Jabri, Jabiri
كيالي | al | 1 | Kayyali, Kayali
حكيم | al | 2 | Hakim, Hakeem
زين | al | 2 | Zein, Zain
بكور | al | 2 | Bakour, Bakkour
بكار | al | 2 | Bakkar, Bakar
حوراني | al | 2 | Hourani, Horani, Hawrani
رشدان | al | 1 | Rashdan, Rushdan
صياصنة | al | 1 | Sayasneh, Siyasna
خالدي | al | 2 | Khalidi, Khaldi
رحال | al | 1 | Rahhal, Rahal
نعسان | al | 1 | Naasan, Na'san
حسيني | al | 1 | Husseini, Hosseini
جبوري | al | 2 | Jubouri, Jbouri, Jabouri
عنزي | al | 2 | Anazi, Enezi, Anizi
شمري | al | 2 | Shammari, Shamari
عكيدي | al | 2 | Okaidi, Ugaidi, Akidi
ديري | al | 1 | Deiri, Dayri
حلواني | al | 1 | Halawani, Helwani
سمان | al | 1 | Samman, Saman
فحام | al | 1 | Fahham, Faham
طحان | al | 2 | Tahhan, Tahan
قطان | al | 1 | Qattan, Kattan
زيات | al | 1 | Zayyat, Zayat
سويد | al | 1 | Sweid, Suwaid
معراوي | al | 1 | Maarrawi, Maarawi
دوماني | al | 1 | Doumani, Dumani
داراني | al | 1 | Darani
عمري | al | 2 | Omari, Umari
شهابي | al | 1 | Shihabi, Chehabi
سقا | al | 1 | Saqqa, Sakka
بدوي | al | 2 | Badawi, Bedawi
هنداوي | al | 1 | Hindawi, Hendawi
طويل | al | 1 | Tawil, Taweel
صغير | al | 1 | Saghir, Sagheer
أصفر | al | 1 | Asfar, Asfer
أشقر | al | 1 | Ashqar, Achkar, Ashkar
أخرس | al | 1 | Akhras, Akhrass
حمامي | al | 1 | Hammami, Hamami
أسعد | al | 1 | Asaad, As'ad
جمال | al | 1 | Jamal, Gamal
درويش | - | 3 | Darwish, Darwich, Derwish
حداد | - | 2 | Haddad, Hadad
منصور | - | 2 | Mansour, Mansur
بركات | - | 2 | Barakat, Baraket
شحادة | - | 2 | Shehadeh, Shehada, Chehade
قباني | - | 1 | Qabbani, Kabbani
بكداش | - | 1 | Bakdash, Bekdash
جمعة | - | 2 | Jomaa, Jumaa, Juma
شعبان | - | 2 | Shaaban, Chaaban
رمضان | - | 2 | Ramadan, Ramadhan
دياب | - | 2 | Diab, Dyab
عبود | - | 2 | Abboud, Aboud
حسون | - | 2 | Hassoun, Hasoun
زيدان | - | 2 | Zeidan, Zaidan
عبدو | - | 1 | Abdo, Abdou
حمادة | - | 2 | Hamada, Hamadeh
عبد القادر | - | 1 | Abdulkader, Abdul Qader
كنجو | - | 1 | Kanjo, Kanju
دالاتي | - | 1 | Dalati, Dallati
قدور | - | 1 | Qaddour, Kaddour
خضر | - | 2 | Khodr, Khader, Khidr
ساعاتي | - | 1 | Saati, Sa'ati
مرعي | - | 1 | Marei, Mar'i, Meri
حبش | - | 1 | Habash, Habesh
غزال | - | 1 | Ghazal, Ghazzal
عيد | - | 2 | Eid, Aid
نوري | - | 1 | Nouri, Nuri
كرم | - | 1 | Karam
جاموس | - | 1 | Jamous, Jamus
عابدين | - | 1 | Abdeen, Abidin, Abedin
عطية | - | 1 | Atiya, Attieh, Atiyeh
عساف | - | 1 | Assaf, Asaf
أبو زيد | - | 2 | Abu Zeid, Abou Zeid, Abu Zaid
أبو علي | - | 1 | Abu Ali, Abou Ali
أبو خليل | - | 1 | Abu Khalil, Abou Khalil
أبو حمدان | - | 1 | Abu Hamdan, Abou Hamdan
"""

ARABIC_LETTERS: Final = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي"
# The article assimilates to these initial letters: ash-Shami, at-Tayeb, an-Nahhas.
SUN_LETTERS: Final = "تثدذرزسشصضطظلن"
_ARABIC_NAME = re.compile(f"[{ARABIC_LETTERS} ]+")
_LATIN_NAME = re.compile(r"[A-Za-z' \-]+")


@dataclass(frozen=True)
class NameEntry:
    """One name: its Arabic form (family names without the article), weight, and Latin spellings."""

    arabic: str
    weight: float
    latin: tuple[str, ...]
    article: bool = False

    @property
    def sun_letter(self) -> bool:
        return self.arabic[0] in SUN_LETTERS


def parse_table(text: str, family: bool = False) -> tuple[NameEntry, ...]:
    """Parse one of the tables above; a malformed line raises ValueError naming it."""
    entries = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != (4 if family else 3):
            raise ValueError(f"name table line {number} has {len(cells)} cells: {line!r}")
        arabic, *middle, latin = cells
        article = family and middle[0] == "al"
        weight = float(middle[-1])
        spellings = tuple(s.strip() for s in latin.split(","))
        if not _ARABIC_NAME.fullmatch(arabic) or not all(_LATIN_NAME.fullmatch(s) for s in spellings):
            raise ValueError(f"name table line {number} mixes scripts: {line!r}")
        entries.append(NameEntry(arabic, weight, spellings, article))
    return tuple(entries)


MALE: Final = parse_table(MALE_TABLE)
FEMALE: Final = parse_table(FEMALE_TABLE)
FAMILY: Final = parse_table(FAMILY_TABLE, family=True)

_HAMZA_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
_ENDINGS = ((re.compile(r"ة(?= |$)"), "ه"), (re.compile(r"ى(?= |$)"), "ي"))
_COMPOUND = re.compile(r"^(عبد|أبو|ابو) | (?=الدين$)")


def _without_hamza(s: str) -> str:
    return s.translate(_HAMZA_ALEF)


def _ta_marbuta_as_ha(s: str) -> str:
    return _ENDINGS[0][0].sub(_ENDINGS[0][1], s)


def _alef_maqsura_as_ya(s: str) -> str:
    return _ENDINGS[1][0].sub(_ENDINGS[1][1], s)


def _closed_up(s: str) -> str:
    return _COMPOUND.sub(lambda m: m.group(1) or "", s)


_RULES: Final = (
    (_without_hamza, 0.6),
    (_ta_marbuta_as_ha, 0.3),
    (_alef_maqsura_as_ya, 0.4),
    (_closed_up, 0.5),
)


def arabic_variants(name: str) -> list[tuple[str, float]]:
    """Spellings of an Arabic name that real lists use, with relative weights (the name first, 1.0).

    Hamza on alef dropped (أحمد → احمد, 0.6), final ta marbuta as ha (فاطمة → فاطمه, 0.3), final alef
    maqsura as ya (مصطفى → مصطفي, 0.4), compound names closed up (عبد الله → عبدالله, 0.5), and
    their combinations (weights multiply).

    >>> [v for v, _ in arabic_variants("عبد الرحمن")]
    ['عبد الرحمن', 'عبدالرحمن']
    """
    variants: dict[str, float] = {name: 1.0}
    for rule, weight in _RULES:
        for spelled, w in list(variants.items()):
            changed = rule(spelled)
            if changed != spelled and changed not in variants:
                variants[changed] = w * weight
    return list(variants.items())
