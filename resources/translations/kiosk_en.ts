<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="fr">
<context>
    <name>kiosk</name>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Mes documents scannés</source>
        <translation>My scanned documents</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Aucun document scanné pour le moment. Posez votre document sur le scanner et lancez le scan.</source>
        <translation>No scanned document yet. Put your document on the scanner and start the scan.</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <location filename="../../ui/help.py"/>
        <location filename="../../ui/pin.py"/>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Les derniers documents scannés :</source>
        <translation>The latest scanned documents:</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Garder le document choisi</source>
        <translation>Keep the chosen document</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Document ajouté</source>
        <translation>Document added</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Changer de document</source>
        <translation>Change the document</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Le dossier du scanner est introuvable. Un médiateur peut vous aider.</source>
        <translation>The scanner folder cannot be found. A helper can help you.</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Aucun document scanné pour le moment. Posez votre document sur le scanner et lancez le scan. Il apparaîtra ici.</source>
        <translation>No scanned document yet. Put your document on the scanner and start the scan. It will appear here.</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Voir tous mes documents</source>
        <translation>See all my documents</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Ajouté aujourd&apos;hui à {heure}</source>
        <translation>Added today at {heure}</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Ajouté hier à {heure}</source>
        <translation>Added yesterday at {heure}</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Ajouté le {date} à {heure}</source>
        <translation>Added on {date} at {heure}</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Choisissez un document scanné, dans la liste.</source>
        <translation>Choose a scanned document from the list.</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>« {fichier} » : {message}</source>
        <translation>“{fichier}”: {message}</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Document PDF</source>
        <translation>PDF document</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py"/>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <location filename="../../ui/azerty.py"/>
        <source>Majuscule</source>
        <translation>Capital</translation>
    </message>
    <message>
        <location filename="../../ui/azerty.py"/>
        <source>Espace</source>
        <translation>Space</translation>
    </message>
    <message>
        <location filename="../../ui/azerty.py"/>
        <location filename="../../ui/keypad.py"/>
        <location filename="../../ui/pin.py"/>
        <source>Effacer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <location filename="../../ui/receipt.py"/>
        <source>Entraînement — rien n&apos;est envoyé</source>
        <translation>Practice — nothing is sent</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Arrêter</source>
        <translation>Stop</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Écouter</source>
        <translation>Listen</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Taille du texte : {n} %</source>
        <translation>Text size: {n} %</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>J&apos;ai besoin d&apos;aide</source>
        <translation>I need help</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Contraste normal</source>
        <translation>Normal contrast</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Contraste élevé</source>
        <translation>High contrast</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Commencer</source>
        <translation>Start</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Continuer</source>
        <translation>Continue</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Envoyer ma demande</source>
        <translation>Send my request</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>M&apos;entraîner : envoyer</source>
        <translation>Practice: send</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Revenir à l&apos;accueil</source>
        <translation>Back to the start</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Terminer</source>
        <translation>Finish</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Réessayer</source>
        <translation>Try again</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Retour</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Imprimer le reçu</source>
        <translation>Print the receipt</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Partir sans enregistrer</source>
        <translation>Leave without saving</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Étape {i} sur {n}</source>
        <translation>Step {i} of {n}</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Cette borne ne peut pas enregistrer de demande pour le moment.</source>
        <translation>This kiosk cannot save requests at the moment.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Un médiateur peut vous aider.</source>
        <translation>A helper can help you.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Connexion au service : oui.</source>
        <translation>Connected to the service: yes.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Connexion au service : non. Les demandes partiront plus tard.</source>
        <translation>Connected to the service: no. Requests will be sent later.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Demandes en attente d&apos;envoi : {n}.</source>
        <translation>Requests waiting to be sent: {n}.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Aucune demande en attente d&apos;envoi.</source>
        <translation>No requests waiting to be sent.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Cette borne n&apos;est pas reliée au service. Les demandes restent ici.</source>
        <translation>This kiosk is not connected to the service. Requests stay here.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Le service refuse cette borne. Un médiateur doit la reconnecter.</source>
        <translation>The service refuses this kiosk. A helper must connect it again.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>L&apos;envoi ne marche pas pour le moment. Les demandes restent sur cette borne.</source>
        <translation>Sending does not work at the moment. Requests stay on this kiosk.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Un fichier de la file d&apos;attente est abîmé. Un médiateur doit le récupérer.</source>
        <translation>A queue file is damaged. A mediator must recover it.</translation>
    </message>
    <message>
        <location filename="../../ui/chrome.py"/>
        <source>Demandes à revoir par un médiateur : {n}.</source>
        <translation>Requests a helper must look at: {n}.</translation>
    </message>
    <message>
        <location filename="../../ui/demo.py"/>
        <source>Démo : le service reçoit les demandes à {url}.</source>
        <translation>Demo: the service receives requests at {url}.</translation>
    </message>
    <message>
        <location filename="../../ui/demo.py"/>
        <source>Demandes reçues : {n}.</source>
        <translation>Requests received: {n}.</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py"/>
        <source>Un problème est survenu.</source>
        <translation>Something went wrong.</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py"/>
        <source>Ce n&apos;est pas de votre faute. Pour protéger vos données, vos réponses ont été effacées. Vous pouvez recommencer.</source>
        <translation>It is not your fault. To protect your data, your answers have been erased. You can start again.</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py"/>
        <location filename="../../ui/help.py"/>
        <source>D&apos;accord</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Cacher le code</source>
        <translation>Hide the code</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Afficher le code</source>
        <translation>Show the code</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Jour</source>
        <translation>Day</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Mois</source>
        <translation>Month</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Année</source>
        <translation>Year</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Oui</source>
        <translation>Yes</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Non</source>
        <translation>No</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Numéro et rue</source>
        <translation>Number and street</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Complément d&apos;adresse (si besoin)</source>
        <translation>More address details (if needed)</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Code postal</source>
        <translation>Postcode</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>La liste des communes apparaît quand le code postal a 5 chiffres.</source>
        <translation>The list of towns appears when the postcode has 5 digits.</translation>
    </message>
    <message>
        <location filename="../../ui/fieldwidgets.py"/>
        <source>Commune</source>
        <translation>Town</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Un médiateur a été appelé. Il arrive.</source>
        <translation>A helper has been called. They are coming.</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Pour parler à quelqu&apos;un : appelez le 34 00 (ANTS).</source>
        <translation>To talk to someone: call 34 00 (ANTS).</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>L&apos;ANTS, c&apos;est l&apos;Agence nationale des titres sécurisés.</source>
        <translation>The ANTS is the French national agency for identity and vehicle documents.</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Vous pouvez aussi laisser votre numéro. La mairie vous rappelle.</source>
        <translation>You can also leave your number. The town hall will call you back.</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Être rappelé</source>
        <translation>Get a call back</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Besoin d&apos;aide ?</source>
        <translation>Need help?</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Oui, continuer</source>
        <translation>Yes, continue</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Non, rester ici</source>
        <translation>No, stay here</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Voulez-vous arrêter cette démarche ?</source>
        <translation>Do you want to stop this procedure?</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Vos réponses seront effacées.</source>
        <translation>Your answers will be deleted.</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Oui, arrêter</source>
        <translation>Yes, stop</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Non, continuer la démarche</source>
        <translation>No, go on with the procedure</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Choisissez votre langue</source>
        <translation>Choose your language</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Vos réponses seront effacées. Continuer ?</source>
        <translation>Your answers will be deleted. Continue?</translation>
    </message>
    <message>
        <location filename="../../ui/help.py"/>
        <source>Votre demande ne sera pas enregistrée. Vos réponses seront effacées.</source>
        <translation>Your request will not be saved. Your answers will be deleted.</translation>
    </message>
    <message>
        <location filename="../../ui/idle.py"/>
        <source>Vous êtes encore là ?</source>
        <translation>Are you still there?</translation>
    </message>
    <message>
        <location filename="../../ui/idle.py"/>
        <source>Je suis encore là</source>
        <translation>I am still here</translation>
    </message>
    <message>
        <location filename="../../ui/idle.py"/>
        <source>seconde</source>
        <translation>second</translation>
    </message>
    <message>
        <location filename="../../ui/idle.py"/>
        <source>secondes</source>
        <translation>seconds</translation>
    </message>
    <message>
        <location filename="../../ui/idle.py"/>
        <source>Dans 1 seconde, vos réponses seront effacées.</source>
        <translation>In 1 second, your answers will be deleted.</translation>
    </message>
    <message>
        <location filename="../../ui/idle.py"/>
        <source>Dans {n} secondes, vos réponses seront effacées.</source>
        <translation>In {n} seconds, your answers will be deleted.</translation>
    </message>
    <message>
        <location filename="../../ui/mainwindow.py"/>
        <source>Borne de démarches</source>
        <translation>Help kiosk for official procedures</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Code du médiateur</source>
        <translation>Helper code</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Sortir du mode borne</source>
        <translation>Leave kiosk mode</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Valider</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Aucun code de médiateur n&apos;est enregistré sur cette borne. On ne peut donc pas sortir du mode borne depuis l&apos;écran.</source>
        <translation>No helper code is saved on this kiosk. So kiosk mode cannot be left from the screen.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>L&apos;administrateur peut enregistrer un code avec la commande : </source>
        <translation>The administrator can save a code with the command: </translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Réservé au médiateur. Tapez votre code, puis touchez « Valider ».</source>
        <translation>For the mediator only. Type your code, then touch “Confirm”.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Le code a au moins 4 chiffres.</source>
        <translation>The code has at least 4 digits.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Ce n&apos;est pas le bon code.</source>
        <translation>This is not the right code.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Il reste 1 essai.</source>
        <translation>1 try left.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Il reste {n} essais.</source>
        <translation>{n} tries left.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Trop d&apos;essais. Le code est bloqué.</source>
        <translation>Too many tries. The code is locked.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Réessayez dans 1 minute.</source>
        <translation>Try again in 1 minute.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Réessayez dans {n} minutes.</source>
        <translation>Try again in {n} minutes.</translation>
    </message>
    <message>
        <location filename="../../ui/pin.py"/>
        <source>Le code ne peut pas être vérifié sur cette borne. L&apos;administrateur peut l&apos;enregistrer de nouveau : </source>
        <translation>The code cannot be checked on this kiosk. The administrator can save it again: </translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <source>Votre numéro de demande :</source>
        <translation>Your request number:</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <source>Gardez ce reçu. Ce numéro sert à suivre votre demande.</source>
        <translation>Keep this receipt. This number lets you follow your request.</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <location filename="../../ui/screens.py"/>
        <source>Et maintenant ?</source>
        <translation>What happens next?</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <location filename="../../ui/screens.py"/>
        <source>Combien de temps ?</source>
        <translation>How long does it take?</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <location filename="../../ui/screens.py"/>
        <source>Une question ?</source>
        <translation>A question?</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <source>Reçu</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <source>Le reçu s&apos;imprime. Prenez-le à l&apos;imprimante.</source>
        <translation>The receipt is printing. Take it from the printer.</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <source>Le reçu ne peut pas être imprimé. Notez votre numéro ou demandez au médiateur.</source>
        <translation>The receipt cannot be printed. Write down your number or ask the helper.</translation>
    </message>
    <message>
        <location filename="../../ui/receipt.py"/>
        <source>Le reçu est prêt. Demandez-le au médiateur.</source>
        <translation>The receipt is ready. Ask the helper for it.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Bonjour</source>
        <translation>Hello</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Aujourd&apos;hui, cette borne ne peut pas garder de demande.</source>
        <translation>Today, this kiosk cannot keep a request.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Vous pouvez vous entraîner. Pour une vraie demande, demandez à un médiateur, ou appelez le 34 00 (ANTS).</source>
        <translation>You can practise. For a real request, ask a mediator, or call 34 00 (ANTS).</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>M&apos;entraîner</source>
        <translation>Practise</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Essayer une démarche. Rien n&apos;est envoyé.</source>
        <translation>Try a procedure. Nothing is sent.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Cette borne vous aide à faire une démarche. Touchez un grand bouton pour commencer.</source>
        <translation>This kiosk helps you with an official procedure. Touch a big button to start.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Faire une démarche</source>
        <translation>Start a procedure</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Permis, carte grise, carte d&apos;identité</source>
        <translation>Driving licence, vehicle registration, identity card</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Quelle démarche voulez-vous essayer ?</source>
        <translation>Which procedure do you want to try?</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Quelle démarche voulez-vous faire ?</source>
        <translation>Which procedure do you want to do?</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Touchez le sujet de votre démarche.</source>
        <translation>Touch the subject of your procedure.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Touchez la démarche qui vous concerne.</source>
        <translation>Touch the procedure you need.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Cela prend environ {n} minutes.</source>
        <translation>It takes about {n} minutes.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Préparez :</source>
        <translation>Have ready:</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Combien ça coûte ?</source>
        <translation>How much does it cost?</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Cette démarche est gratuite.</source>
        <translation>This procedure is free.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Ce montant est donné à titre indicatif.</source>
        <translation>This amount is only a guide.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Il y a un problème</source>
        <translation>There is a problem</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Vous pouvez laisser vide.</source>
        <translation>You can leave this empty.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Lisez chaque réponse. Touchez « Modifier » pour changer une réponse.</source>
        <translation>Read each answer. Touch “Change” to change an answer.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Modifier</source>
        <translation>Change</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Votre demande n&apos;est pas encore enregistrée</source>
        <translation>Your request is not saved yet</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Ce n&apos;est pas de votre faute. Vos réponses sont gardées. Touchez « Réessayer ». Si cela ne marche pas, appelez un médiateur.</source>
        <translation>It is not your fault. Your answers are kept. Touch “Try again”. If it does not work, call a helper.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>C&apos;était un entraînement. Rien n&apos;a été envoyé.</source>
        <translation>This was practice. Nothing was sent.</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Pour une vraie demande, vous recevez un numéro :</source>
        <translation>For a real request, you get a number:</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Gardez ce numéro. Il sert à suivre votre demande :</source>
        <translation>Keep this number. It lets you follow your request:</translation>
    </message>
    <message>
        <location filename="../../ui/screens.py"/>
        <source>Votre numéro</source>
        <translation>Your number</translation>
    </message>
    <message>
        <location filename="../../ui/speech.py"/>
        <source>La lecture à voix haute ne marche pas sur cette borne.</source>
        <translation>Reading aloud does not work on this kiosk.</translation>
    </message>
    <message>
        <location filename="../../ui/training.py"/>
        <source>Exemple à recopier : {exemple}</source>
        <translation>Example to copy: {exemple}</translation>
    </message>
    <message>
        <location filename="../../ui/training.py"/>
        <source>Remplir avec l&apos;exemple</source>
        <translation>Fill in with the example</translation>
    </message>
</context>
</TS>
